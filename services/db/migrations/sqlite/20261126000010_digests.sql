-- E-mail digests of unread messages (issue 5). Keep in step with ../postgres/20261126000010_digests.sql.
--
-- `notified_seq`: the conversation's messages up to it have been in a digest for this member
-- (so none is sent twice). A user without a `notification_prefs` row gets digests.

ALTER TABLE conversation_members ADD COLUMN notified_seq BIGINT NOT NULL DEFAULT 0;

CREATE TABLE notification_prefs (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email_digest BOOLEAN NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE INDEX messages_created_idx ON messages (created_at);
