-- Spreadsheet imports run in the background: what was asked, how far it got, what it did.
-- Keep in step with ../postgres/20261126000003_import_jobs.sql: a test compares the two.

CREATE TABLE import_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    file_name TEXT,
    skip_invalid BIGINT NOT NULL,
    total_rows BIGINT NOT NULL,
    done_rows BIGINT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    skipped BIGINT NOT NULL,
    imported BIGINT NOT NULL,
    errors_json TEXT,
    failure TEXT,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at DATETIME NOT NULL,
    finished_at DATETIME,
    CHECK (kind IN ('cooperatives', 'listings')),
    CHECK (status IN ('running', 'done', 'failed')),
    CHECK (skip_invalid IN (0, 1) AND imported IN (0, 1))
);
CREATE INDEX import_jobs_created_idx ON import_jobs (created_at);
