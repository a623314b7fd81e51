-- Support-case notices (issue 19): the worker tells the people concerned of each step of a
-- case (`ketnoi_app::case_notices`); `notified_at` is set in the same transaction as the
-- step's outbox messages, so each step is told once whatever restarts. Steps taken before
-- this migration count as told (no late flood of old news). Reminders and escalations of late
-- cases use support_cases.reminded_at and escalated_at.
-- Keep in step with ../postgres/20261207000400_case_notices.sql.

ALTER TABLE support_case_steps ADD COLUMN notified_at DATETIME;
UPDATE support_case_steps SET notified_at = at;
CREATE INDEX support_case_steps_unnotified_idx ON support_case_steps (id) WHERE notified_at IS NULL;
