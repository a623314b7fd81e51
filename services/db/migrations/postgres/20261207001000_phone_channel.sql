-- How a person's phone messages reach her (issue 19), chosen on her account page:
-- 'zalo' (Zalo ZNS, SMS when Zalo cannot reach her; the default, as for anyone without a
-- row) or 'sms' (SMS only). Turning phone notices off is not a third value: her number goes
-- into phone_opt_outs (20261207000300), the one opt-out the outbox honours, and choosing a
-- way again takes it out. The outbox looks the number up when a message comes due.
-- Keep in step with ../sqlite/20261207001000_phone_channel.sql.

ALTER TABLE notification_prefs ADD COLUMN phone_channel TEXT NOT NULL DEFAULT 'zalo'
    CHECK (phone_channel IN ('zalo', 'sms'));
