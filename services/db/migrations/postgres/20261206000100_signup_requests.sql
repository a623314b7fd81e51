-- Sign-ups waiting for their owner to open the link sent to the e-mail address or phone:
-- the account exists only once the link is used, so the sign-up form answers the same
-- whether or not the address is already registered.
CREATE TABLE signup_requests (
    token_hash TEXT PRIMARY KEY NOT NULL,
    email TEXT,
    phone TEXT,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX signup_requests_expires_at_idx ON signup_requests (expires_at);
