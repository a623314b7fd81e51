-- Conversations and messages (issue 5). Keep in step with ../postgres/20261126000007_messaging.sql.
--
-- Every message has a number (`seq`) that is unique and increasing within its conversation:
-- posting takes the conversation row's `last_seq` + 1 in the writing transaction, so the row
-- lock orders commits and a reader that has seen seq n has seen everything before it.

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    title TEXT,
    org_id BIGINT REFERENCES organisations (id) ON DELETE CASCADE,
    listing_id BIGINT REFERENCES listings (id) ON DELETE SET NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    last_seq BIGINT NOT NULL,
    last_message_at DATETIME,
    created_at DATETIME NOT NULL,
    CHECK (kind IN ('inquiry', 'direct', 'group', 'announcement'))
);
CREATE INDEX conversations_org_idx ON conversations (org_id, last_message_at);
CREATE INDEX conversations_inquiry_idx ON conversations (created_by, listing_id);

CREATE TABLE conversation_members (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    last_read_seq BIGINT NOT NULL,
    joined_at DATETIME NOT NULL,
    PRIMARY KEY (conversation_id, user_id),
    CHECK (role IN ('member', 'admin'))
);
CREATE INDEX conversation_members_user_idx ON conversation_members (user_id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    sender_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    reply_to_seq BIGINT,
    created_at DATETIME NOT NULL,
    edited_at DATETIME,
    deleted_at DATETIME
);
CREATE UNIQUE INDEX messages_conversation_seq_key ON messages (conversation_id, seq);
