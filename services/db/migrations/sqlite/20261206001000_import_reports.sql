-- Imports of cooperatives' report figures (issue 16): the jobs table takes a third kind.
-- SQLite cannot change a CHECK constraint, so the table is rebuilt with the same columns.
-- Keep in step with ../postgres/20261206001000_import_reports.sql.
CREATE TABLE import_jobs_new (
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
    CHECK (kind IN ('cooperatives', 'listings', 'reports')),
    CHECK (status IN ('running', 'done', 'failed')),
    CHECK (skip_invalid IN (0, 1) AND imported IN (0, 1))
);
INSERT INTO import_jobs_new SELECT id, kind, status, file_name, skip_invalid, total_rows, done_rows,
    created, updated, unchanged, skipped, imported, errors_json, failure, created_by, created_at, finished_at
    FROM import_jobs;
DROP TABLE import_jobs;
ALTER TABLE import_jobs_new RENAME TO import_jobs;
CREATE INDEX import_jobs_created_idx ON import_jobs (created_at);
