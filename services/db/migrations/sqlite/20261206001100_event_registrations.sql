-- Events that officers create (issue 17): English texts, audience, an online link or a map
-- point, the registration window, partners and the officer's scope; ticket types with quotas;
-- registrations (confirmed, waitlisted, cancelled) with their check-in; training records,
-- which the plan's training indicators count. Keep in step with ../postgres/20261206001100_event_registrations.sql.
ALTER TABLE events ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN description_en TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN online_url TEXT;
ALTER TABLE events ADD COLUMN latitude REAL;
ALTER TABLE events ADD COLUMN longitude REAL;
-- `|`-separated: cooperatives, buyers, network, public.
ALTER TABLE events ADD COLUMN audience TEXT NOT NULL DEFAULT 'public';
ALTER TABLE events ADD COLUMN registration_opens DATE;
ALTER TABLE events ADD COLUMN partners TEXT NOT NULL DEFAULT '';
-- The ward/commune of the officer who runs it; NULL: the city.
ALTER TABLE events ADD COLUMN scope_commune_code TEXT;
ALTER TABLE events ADD COLUMN created_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
-- For training courses: what they teach and for how many hours.
ALTER TABLE events ADD COLUMN training_topic TEXT;
ALTER TABLE events ADD COLUMN training_hours BIGINT;
ALTER TABLE events ADD COLUMN updated_at DATETIME;

CREATE TABLE ticket_types (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    -- 'visitor' (a person) or 'exhibitor' (a cooperative's booth at a fair).
    kind TEXT NOT NULL CHECK (kind IN ('visitor', 'exhibitor')),
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    quota BIGINT NOT NULL CHECK (quota > 0),
    -- Confirmed registrations, kept by the same statements that confirm and cancel them:
    -- `UPDATE … SET taken = taken + 1 WHERE taken < quota` is what makes the quota hold.
    taken BIGINT NOT NULL DEFAULT 0 CHECK (taken >= 0 AND taken <= quota),
    price_vnd BIGINT NOT NULL DEFAULT 0 CHECK (price_vnd >= 0),
    position BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ticket_types_event_idx ON ticket_types (event_id, position);

CREATE TABLE registrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    ticket_type_id BIGINT NOT NULL REFERENCES ticket_types (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- An exhibitor's cooperative, or the cooperative a participant comes from.
    org_id BIGINT REFERENCES organisations (id) ON DELETE SET NULL,
    attendee_name TEXT NOT NULL,
    -- Her role in her cooperative (what a training record keeps).
    role TEXT,
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    booth_request TEXT,
    booth TEXT,
    created_at DATETIME NOT NULL,
    confirmed_at DATETIME,
    cancelled_at DATETIME,
    checked_in_at DATETIME,
    checked_in_by BIGINT REFERENCES users (id) ON DELETE SET NULL
);
-- One live registration per person and event; a cancelled one may be followed by another.
CREATE UNIQUE INDEX registrations_person_key ON registrations (event_id, user_id) WHERE status <> 'cancelled';
-- The waiting list, in order.
CREATE INDEX registrations_queue_idx ON registrations (ticket_type_id, status, id);
CREATE INDEX registrations_user_idx ON registrations (user_id, id);

CREATE TABLE training_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Who: an account when she has one, else her name; `person_key` is what "distinct
    -- person" means to the indicators (the user id, or the name folded, within the cooperative).
    person_name TEXT NOT NULL,
    person_key TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    org_id BIGINT REFERENCES organisations (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('chair', 'director', 'board', 'supervisor', 'accountant', 'member', 'worker', 'officer')),
    topic TEXT NOT NULL CHECK (topic IN ('governance', 'accounting', 'supervision', 'ecommerce', 'vocational', 'digital')),
    hours BIGINT NOT NULL CHECK (hours > 0 AND hours <= 2000),
    held_on DATE NOT NULL,
    certificate_no TEXT,
    provider TEXT NOT NULL,
    event_id BIGINT REFERENCES events (id) ON DELETE SET NULL,
    registration_id BIGINT REFERENCES registrations (id) ON DELETE SET NULL,
    -- 'event' (attendance at a training course), 'entered' or 'import'.
    source TEXT NOT NULL CHECK (source IN ('event', 'entered', 'import')),
    commune_code TEXT,
    recorded_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX training_records_registration_key ON training_records (registration_id);
CREATE INDEX training_records_org_idx ON training_records (org_id, topic, held_on);
CREATE INDEX training_records_user_idx ON training_records (user_id);

-- Imports of training records: the jobs table takes a fourth kind (rebuilt: SQLite cannot change a CHECK).
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
    CHECK (kind IN ('cooperatives', 'listings', 'reports', 'training')),
    CHECK (status IN ('running', 'done', 'failed')),
    CHECK (skip_invalid IN (0, 1) AND imported IN (0, 1))
);
INSERT INTO import_jobs_new SELECT id, kind, status, file_name, skip_invalid, total_rows, done_rows,
    created, updated, unchanged, skipped, imported, errors_json, failure, created_by, created_at, finished_at
    FROM import_jobs;
DROP TABLE import_jobs;
ALTER TABLE import_jobs_new RENAME TO import_jobs;
CREATE INDEX import_jobs_created_idx ON import_jobs (created_at);

-- Training records and officers' roles feed the plan's indicators: they bump its revision.
CREATE TRIGGER training_records_plan_ins AFTER INSERT ON training_records BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE TRIGGER training_records_plan_upd AFTER UPDATE ON training_records BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE TRIGGER training_records_plan_del AFTER DELETE ON training_records BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE TRIGGER users_plan_ins AFTER INSERT ON users WHEN NEW.platform_role = 'union_officer' BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE TRIGGER users_plan_upd AFTER UPDATE OF platform_role, officer_commune_code ON users BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
CREATE TRIGGER users_plan_del AFTER DELETE ON users WHEN OLD.platform_role = 'union_officer' BEGIN UPDATE plan_revision SET revision = revision + 1 WHERE id = 1; END;
