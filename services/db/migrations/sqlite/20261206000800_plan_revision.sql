-- One number that changes whenever anything the plan's tallies are computed from changes
-- (cooperatives, their reports, support records), bumped by triggers so that no write path
-- can forget it. The dashboard keeps computed tallies in memory under this number: a view
-- after a change recomputes, every other view reads one row. Keep in step with
-- ../postgres/20261206000800_plan_revision.sql.
CREATE TABLE plan_revision (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO plan_revision (id, revision) VALUES (1, 0);
CREATE TRIGGER organisations_plan_ins AFTER INSERT ON organisations BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE TRIGGER organisations_plan_upd AFTER UPDATE ON organisations BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE TRIGGER organisations_plan_del AFTER DELETE ON organisations BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE TRIGGER coop_reports_plan_ins AFTER INSERT ON coop_reports BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE TRIGGER coop_reports_plan_upd AFTER UPDATE ON coop_reports BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE TRIGGER coop_reports_plan_del AFTER DELETE ON coop_reports BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE TRIGGER support_records_plan_ins AFTER INSERT ON support_records BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE TRIGGER support_records_plan_upd AFTER UPDATE ON support_records BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE TRIGGER support_records_plan_del AFTER DELETE ON support_records BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
