-- The city plan's register (issue 16): its phases with their budgets and its indicators
-- with the 2025 and 2030 targets. Filled from data/plan.json by `plan::ensure_shipped`
-- after the migrations (rows already there are kept: administrators' corrections win).
-- Keep in step with ../sqlite/20261206000500_plan_register.sql.
CREATE TABLE plan_phases (
    id TEXT PRIMARY KEY,
    from_year INTEGER NOT NULL,
    to_year INTEGER NOT NULL,
    budget_dong BIGINT NOT NULL CHECK (budget_dong >= 0)
);

CREATE TABLE plan_indicators (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    measure TEXT NOT NULL CHECK (measure IN ('count', 'percent')),
    -- A target is a sign (≥, >, =) and a whole number; both or neither.
    target_2025_sign TEXT CHECK (target_2025_sign IN ('≥', '>', '=')),
    target_2025_value BIGINT CHECK (target_2025_value >= 0),
    target_2030_sign TEXT CHECK (target_2030_sign IN ('≥', '>', '=')),
    target_2030_value BIGINT CHECK (target_2030_value >= 0),
    method_vi TEXT NOT NULL,
    method_en TEXT NOT NULL,
    updated_at TIMESTAMPTZ,
    updated_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    CHECK ((target_2025_sign IS NULL) = (target_2025_value IS NULL)),
    CHECK ((target_2030_sign IS NULL) = (target_2030_value IS NULL))
);
