-- Two reads of every signed-in profile page made cheap (issue 14). Keep in step with
-- ../postgres/20261206000200_profile_reads.sql.
--
-- How long a cooperative usually takes to confirm an order ("usually confirms within …"):
-- the median over its last 100 confirmed orders, in seconds, written by the order step that
-- confirms one (`orders::refresh_confirmation_median`, in the same transaction) instead of
-- computed on every view of the profile.
CREATE TABLE org_confirmation_times (
    org_id BIGINT PRIMARY KEY NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    median_seconds BIGINT NOT NULL
);

-- The orders confirmed before this table existed, by the same rule: the middle wait of the
-- last 100, or the mean of the two middle ones.
INSERT INTO org_confirmation_times (org_id, median_seconds)
SELECT org_id, CAST(ROUND(AVG(wait)) AS BIGINT)
FROM (
    SELECT org_id, wait,
           ROW_NUMBER() OVER (PARTITION BY org_id ORDER BY wait) AS k,
           COUNT(*) OVER (PARTITION BY org_id) AS n
    FROM (
        SELECT org_id, (julianday(confirmed_at) - julianday(created_at)) * 86400.0 AS wait,
               ROW_NUMBER() OVER (PARTITION BY org_id ORDER BY id DESC) AS recent
        FROM orders WHERE confirmed_at IS NOT NULL
    ) latest
    WHERE recent <= 100
) ranked
WHERE k IN ((n + 1) / 2, (n + 2) / 2)
GROUP BY org_id;

-- Whether a signed-in visitor acts for any organisation is asked on every page
-- (`users::find_by_session_with_unread`); grants were indexed by cooperative only.
CREATE INDEX proxy_grants_officer_idx ON proxy_grants (officer_id);
