-- A founding case that ends naming the cooperative it founded counts toward the plan's "new
-- HTX founded with support" (reports::tallies): a case's end, or a change of what it founded,
-- bumps the plan's revision; a case's other writes (steps, reminders) do not. And the plan's
-- credit figures read steps by kind and day. Keep in step with
-- ../sqlite/20261207000900_plan_founding_cases.sql.
CREATE TRIGGER support_cases_plan_ins AFTER INSERT ON support_cases
    FOR EACH ROW WHEN (NEW.founded_org_id IS NOT NULL)
    EXECUTE FUNCTION bump_plan_revision();
CREATE TRIGGER support_cases_plan_upd AFTER UPDATE ON support_cases
    FOR EACH ROW WHEN ((OLD.founded_org_id IS NOT NULL OR NEW.founded_org_id IS NOT NULL)
        AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.done_on IS DISTINCT FROM NEW.done_on
             OR OLD.founded_org_id IS DISTINCT FROM NEW.founded_org_id OR OLD.kind IS DISTINCT FROM NEW.kind))
    EXECUTE FUNCTION bump_plan_revision();
CREATE TRIGGER support_cases_plan_del AFTER DELETE ON support_cases
    FOR EACH ROW WHEN (OLD.founded_org_id IS NOT NULL)
    EXECUTE FUNCTION bump_plan_revision();
CREATE INDEX support_cases_founded_idx ON support_cases (founded_org_id);
CREATE INDEX support_case_steps_step_idx ON support_case_steps (step, at);
