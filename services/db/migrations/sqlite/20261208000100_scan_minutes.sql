-- The scan log keeps one row per stamp, client, network and minute, with how many scans
-- it stands for (issue 18): a stamp scanned again and again from one phone (or a flood of
-- one stamp) adds a row a minute, not a row a scan, and no scan is dropped for the writer
-- falling behind. scanned_at is the latest scan the row counts. Rows written before hold
-- one scan each.
-- Keep in step with ../postgres/20261208000100_scan_minutes.sql.

ALTER TABLE stamp_scans ADD COLUMN scans INTEGER NOT NULL DEFAULT 1;
