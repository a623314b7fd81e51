-- B2B sessions (issue 17): the session's slots and tables, participants' profiles (what
-- they offer and seek, when they are free), meeting requests, the schedule the organiser
-- publishes, and each side's outcome. Keep in step with ../sqlite/20261206001200_b2b.sql.
CREATE TABLE b2b_sessions (
    event_id BIGINT PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    -- The first slot's start, local time ("09:00"), and each slot's length.
    first_slot TEXT NOT NULL,
    slot_minutes BIGINT NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
    slots BIGINT NOT NULL CHECK (slots BETWEEN 1 AND 64),
    tables BIGINT NOT NULL CHECK (tables BETWEEN 1 AND 1000),
    scheduled_at TIMESTAMPTZ,
    published_at TIMESTAMPTZ
);

CREATE TABLE b2b_profiles (
    registration_id BIGINT PRIMARY KEY REFERENCES registrations (id) ON DELETE CASCADE,
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    side TEXT NOT NULL CHECK (side IN ('buyer', 'cooperative')),
    offers TEXT NOT NULL,
    seeks TEXT NOT NULL,
    -- Bit s set: free in slot s.
    availability BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX b2b_profiles_event_idx ON b2b_profiles (event_id, side);

CREATE TABLE b2b_meetings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    buyer_id BIGINT NOT NULL REFERENCES b2b_profiles (registration_id) ON DELETE CASCADE,
    cooperative_id BIGINT NOT NULL REFERENCES b2b_profiles (registration_id) ON DELETE CASCADE,
    requested_by BIGINT NOT NULL REFERENCES b2b_profiles (registration_id) ON DELETE CASCADE,
    message TEXT,
    status TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'declined')),
    -- Set by the scheduler: 0-based slot, 1-based table.
    slot BIGINT,
    table_no BIGINT,
    buyer_outcome TEXT CHECK (buyer_outcome IN ('no_show', 'no_interest', 'follow_up', 'deal')),
    buyer_value BIGINT CHECK (buyer_value >= 0),
    cooperative_outcome TEXT CHECK (cooperative_outcome IN ('no_show', 'no_interest', 'follow_up', 'deal')),
    cooperative_value BIGINT CHECK (cooperative_value >= 0),
    created_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX b2b_meetings_pair_key ON b2b_meetings (buyer_id, cooperative_id);
CREATE INDEX b2b_meetings_event_idx ON b2b_meetings (event_id, status);
