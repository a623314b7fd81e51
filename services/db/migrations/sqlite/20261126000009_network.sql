-- The women leaders' network (issue 5). Keep in step with ../postgres/20261126000009_network.sql.
--
-- A leader (owner or manager of a cooperative) asks to join; a Union officer whose scope
-- covers her cooperative approves. Approved members see the directory, where each chooses
-- whether her phone and e-mail show. Groups and direct conversations are `conversations`
-- (kinds 'group' and 'direct'); a direct conversation's `direct_key` ("<low id>:<high id>")
-- makes it one per pair.

CREATE TABLE network_members (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    intro TEXT,
    show_phone BOOLEAN NOT NULL,
    show_email BOOLEAN NOT NULL,
    requested_at DATETIME NOT NULL,
    decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_at DATETIME,
    CHECK (status IN ('pending', 'approved', 'rejected'))
);
CREATE INDEX network_members_status_idx ON network_members (status, org_id);

ALTER TABLE conversations ADD COLUMN description TEXT;
ALTER TABLE conversations ADD COLUMN direct_key TEXT;
CREATE UNIQUE INDEX conversations_direct_key ON conversations (direct_key);

CREATE TABLE user_blocks (
    blocker_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
CREATE INDEX user_blocks_blocked_idx ON user_blocks (blocked_id);

CREATE TABLE message_reports (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    reporter_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (conversation_id, seq, reporter_id)
);
