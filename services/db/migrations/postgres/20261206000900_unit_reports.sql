-- A ward/commune's report to the city for a period (issue 16): her narrative and the unit's
-- figures as they stood when she submitted (JSON of counts), its state, and the city's
-- comment when returned. And the deadline reminders already sent, one row per (period, days
-- before, person), so that a restarted worker sends nothing twice. Keep in step with
-- ../sqlite/20261206000900_unit_reports.sql.
CREATE TABLE unit_reports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    commune_code TEXT NOT NULL,
    period TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'accepted')),
    narrative TEXT,
    figures_json TEXT,
    comment TEXT,
    updated_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    submitted_at TIMESTAMPTZ,
    decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX unit_reports_key ON unit_reports (commune_code, period);
CREATE TABLE plan_reminders (
    period TEXT NOT NULL,
    days_before BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sent_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (period, days_before, user_id)
);
