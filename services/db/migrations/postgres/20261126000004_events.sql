-- Trade-promotion events (fairs, forums, B2B matchmaking, trainings, study tours).
-- Keep in step with ../sqlite/20261126000004_events.sql: a test compares the two.

CREATE TABLE events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id TEXT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    registration_deadline DATE,
    venue_name TEXT NOT NULL,
    venue_address TEXT NOT NULL,
    venue_commune_code TEXT,
    province_code TEXT NOT NULL,
    capacity BIGINT,
    capacity_unit TEXT,
    fee_vnd BIGINT NOT NULL,
    categories TEXT NOT NULL,
    organizer TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CHECK (kind IN ('fair', 'forum', 'b2b_matchmaking', 'training', 'study_tour'))
);
CREATE UNIQUE INDEX events_external_id_key ON events (external_id);
CREATE INDEX events_start_idx ON events (start_date);
