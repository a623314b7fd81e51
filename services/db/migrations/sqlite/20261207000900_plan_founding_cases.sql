-- A founding case that ends naming the cooperative it founded counts toward the plan's "new
-- HTX founded with support" (reports::tallies): a case's end, or a change of what it founded,
-- bumps the plan's revision; a case's other writes (steps, reminders) do not. And the plan's
-- credit figures read steps by kind and day. Keep in step with
-- ../postgres/20261207000900_plan_founding_cases.sql.
CREATE TRIGGER support_cases_plan_ins AFTER INSERT ON support_cases
    WHEN NEW.founded_org_id IS NOT NULL
    BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE TRIGGER support_cases_plan_upd AFTER UPDATE ON support_cases
    WHEN (OLD.founded_org_id IS NOT NULL OR NEW.founded_org_id IS NOT NULL)
        AND (OLD.status IS NOT NEW.status OR OLD.done_on IS NOT NEW.done_on
             OR OLD.founded_org_id IS NOT NEW.founded_org_id OR OLD.kind IS NOT NEW.kind)
    BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE TRIGGER support_cases_plan_del AFTER DELETE ON support_cases
    WHEN OLD.founded_org_id IS NOT NULL
    BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE INDEX support_cases_founded_idx ON support_cases (founded_org_id);
CREATE INDEX support_case_steps_step_idx ON support_case_steps (step, at);
