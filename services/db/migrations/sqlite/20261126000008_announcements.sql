-- Announcement confirmations (issue 5). Keep in step with ../postgres/20261126000008_announcements.sql.
-- Reading is `conversation_members.last_read_seq`; confirming is a row here per message.

CREATE TABLE message_confirmations (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    confirmed_at DATETIME NOT NULL,
    PRIMARY KEY (conversation_id, seq, user_id)
);
