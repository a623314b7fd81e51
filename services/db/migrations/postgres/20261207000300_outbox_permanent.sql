-- The phone channel (issue 19): a message a provider refused for good (an unknown template,
-- an invalid number) is not retried: `failed_at` says when it was given up and `last_error`
-- why. `delivery` is what the provider's signed callback later reported ('delivered' or
-- 'failed') and when. A phone number that asked for no more messages is in phone_opt_outs
-- (E.164, as users.phone stores it); its messages are skipped.
-- Keep in step with ../sqlite/20261207000300_outbox_permanent.sql.

ALTER TABLE outbox ADD COLUMN failed_at TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN delivery TEXT CHECK (delivery IS NULL OR delivery IN ('delivered', 'failed'));
ALTER TABLE outbox ADD COLUMN delivery_at TIMESTAMPTZ;

CREATE TABLE phone_opt_outs (
    phone TEXT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL
);
