-- Image attachments of messages (issue 5). Keep in step with
-- ../postgres/20261126000012_attachments.sql.
--
-- `attachment`: the stored picture's file name (`<sha-256>.<ext>`), kept under `msg/` in the
-- media store and served only to the conversation's participants.

ALTER TABLE messages ADD COLUMN attachment TEXT;
