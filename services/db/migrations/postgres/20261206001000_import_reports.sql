-- Imports of cooperatives' report figures (issue 16): the jobs table takes a third kind.
-- Keep in step with ../sqlite/20261206001000_import_reports.sql.
ALTER TABLE import_jobs DROP CONSTRAINT import_jobs_kind_check;
ALTER TABLE import_jobs ADD CONSTRAINT import_jobs_kind_check
    CHECK (kind IN ('cooperatives', 'listings', 'reports'));
