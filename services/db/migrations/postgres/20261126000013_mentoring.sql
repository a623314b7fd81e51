-- Mentoring requests between network members (issue 5). Keep in step with
-- ../sqlite/20261126000013_mentoring.sql.
--
-- A member asks another for guidance on a topic; accepting opens (or reuses) their direct
-- conversation, which starts with the request.

CREATE TABLE mentoring_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mentee_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    mentor_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    status TEXT NOT NULL,
    conversation_id BIGINT REFERENCES conversations (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ,
    CHECK (status IN ('pending', 'accepted', 'declined'))
);
CREATE INDEX mentoring_requests_mentor_idx ON mentoring_requests (mentor_id, status);
CREATE INDEX mentoring_requests_mentee_idx ON mentoring_requests (mentee_id);
