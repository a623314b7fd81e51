-- The Union's support of a cooperative (issue 16): what kind, from when, until when. What
-- the plan's indicators and the home page count as "supported". Keep in step with
-- ../postgres/20261206000600_support_records.sql.
CREATE TABLE support_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('consolidation', 'founding', 'brand', 'traceability', 'distribution', 'training', 'credit')),
    since DATE NOT NULL,
    until DATE,
    note TEXT,
    recorded_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at DATETIME NOT NULL,
    CHECK (until IS NULL OR until >= since)
);
CREATE INDEX support_records_org_idx ON support_records (org_id, since);
