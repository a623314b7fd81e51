-- One number that changes whenever anything the plan's tallies are computed from changes
-- (cooperatives, their reports, support records), bumped by triggers so that no write path
-- can forget it. The dashboard keeps computed tallies in memory under this number: a view
-- after a change recomputes, every other view reads one row. Keep in step with
-- ../sqlite/20261206000800_plan_revision.sql.
CREATE TABLE plan_revision (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO plan_revision (id, revision) VALUES (1, 0);
CREATE FUNCTION bump_plan_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE plan_revision SET revision = revision + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER organisations_plan AFTER INSERT OR UPDATE OR DELETE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_plan_revision();
CREATE TRIGGER coop_reports_plan AFTER INSERT OR UPDATE OR DELETE ON coop_reports
    FOR EACH STATEMENT EXECUTE FUNCTION bump_plan_revision();
CREATE TRIGGER support_records_plan AFTER INSERT OR UPDATE OR DELETE ON support_records
    FOR EACH STATEMENT EXECUTE FUNCTION bump_plan_revision();
