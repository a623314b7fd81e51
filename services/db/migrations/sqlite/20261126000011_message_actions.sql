-- Message search, and reports of messages (issue 5). Keep in step with
-- ../postgres/20261126000011_message_actions.sql.
--
-- `body_folded`: the text lower-cased without diacritics, for searching one's conversations
-- with or without accents (messages stored before this migration are not searchable).

ALTER TABLE messages ADD COLUMN body_folded TEXT NOT NULL DEFAULT '';
