-- A cooperative's periodic report to the Union (issue 16): one row per version; the latest
-- version of (org_id, period) is the report, an accepted version is never changed again (a
-- correction is the next version). Sensitive groups are counts per cooperative and period,
-- never rows per person. Keep in step with ../postgres/20261206000700_coop_reports.sql.
CREATE TABLE coop_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'accepted')),
    members_total BIGINT,
    members_women BIGINT,
    workers_total BIGINT,
    workers_women BIGINT,
    chair_women BIGINT,
    board_women BIGINT,
    director_women BIGINT,
    supervisors_women BIGINT,
    accountant_women BIGINT,
    managers_certified BIGINT,
    members_vocational BIGINT,
    members_ecommerce BIGINT,
    jobs_created BIGINT,
    charter_capital BIGINT,
    revenue BIGINT,
    profit BIGINT,
    poor_women BIGINT,
    minority_women BIGINT,
    disabled_women BIGINT,
    land_women BIGINT,
    laid_off_women BIGINT,
    difficulties TEXT,
    needs TEXT,
    -- The officer's comment when she returned it.
    comment TEXT,
    updated_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    submitted_at DATETIME,
    decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_at DATETIME,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    CHECK (members_women IS NULL OR members_total IS NULL OR members_women <= members_total),
    CHECK (workers_women IS NULL OR workers_total IS NULL OR workers_women <= workers_total)
);
CREATE UNIQUE INDEX coop_reports_version_key ON coop_reports (org_id, period, version);
CREATE INDEX coop_reports_period_idx ON coop_reports (period, state, org_id);
