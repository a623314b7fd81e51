-- Cart, checkout and payments (issue 6). Keep in step with ../postgres/20261126000015_checkout.sql.
--
-- An order line is an offer (retail, wholesale or experience) with its tier price at the time
-- of ordering. Cart lines live on the server, one per offer (and date, for experiences).
-- A cooperative's bank account (NAPAS BIN + account number) is what its VietQR codes pay.
-- `stripe_events` stores every verified webhook event before it is acted on; its primary key
-- makes a replay a no-op. `payout_ledger` holds what the platform owes each cooperative for
-- card payments it collected: a line per sale, a negative line per refund; an officer marks
-- lines paid when the bank transfer is made.

DROP TABLE order_items;
CREATE TABLE order_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    listing_id BIGINT NOT NULL REFERENCES listings (id) ON DELETE RESTRICT,
    offer_id BIGINT REFERENCES offers (id) ON DELETE SET NULL,
    offer_kind TEXT NOT NULL,
    title TEXT NOT NULL,
    unit TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    CHECK (quantity > 0),
    CHECK (unit_price >= 0)
);
CREATE INDEX order_items_order_idx ON order_items (order_id, id);
CREATE INDEX order_items_offer_idx ON order_items (offer_id);

ALTER TABLE orders ADD COLUMN experience_date DATE;
ALTER TABLE orders ADD COLUMN buyer_note TEXT;
ALTER TABLE orders ADD COLUMN conversation_id BIGINT REFERENCES conversations (id) ON DELETE SET NULL;
ALTER TABLE orders ADD COLUMN confirmed_at DATETIME;
ALTER TABLE orders ADD COLUMN reminded_at DATETIME;
ALTER TABLE orders ADD COLUMN escalated_at DATETIME;
ALTER TABLE orders ADD COLUMN payment_ref TEXT;
CREATE INDEX orders_unconfirmed_idx ON orders (status, created_at);
CREATE INDEX orders_experience_idx ON orders (experience_date);

ALTER TABLE organisations ADD COLUMN bank_bin TEXT;
ALTER TABLE organisations ADD COLUMN bank_account TEXT;
ALTER TABLE organisations ADD COLUMN bank_account_name TEXT;

CREATE TABLE cart_items (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    offer_id BIGINT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    experience_date TEXT NOT NULL DEFAULT '',
    quantity BIGINT NOT NULL,
    added_at DATETIME NOT NULL,
    PRIMARY KEY (user_id, offer_id, experience_date),
    CHECK (quantity > 0)
);

CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    intent_id TEXT,
    payload TEXT NOT NULL,
    received_at DATETIME NOT NULL,
    processed_at DATETIME,
    outcome TEXT
);

CREATE TABLE card_payments (
    order_id BIGINT PRIMARY KEY REFERENCES orders (id) ON DELETE RESTRICT,
    intent_id TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    amount BIGINT NOT NULL,
    status TEXT NOT NULL,
    refund_id TEXT,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX card_payments_intent_key ON card_payments (intent_id);

CREATE TABLE payout_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE RESTRICT,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE RESTRICT,
    kind TEXT NOT NULL,
    amount BIGINT NOT NULL,
    created_at DATETIME NOT NULL,
    paid_at DATETIME,
    paid_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    CHECK (kind IN ('sale', 'refund'))
);
CREATE UNIQUE INDEX payout_ledger_entry_key ON payout_ledger (order_id, kind);
CREATE INDEX payout_ledger_org_idx ON payout_ledger (org_id, paid_at);

CREATE TABLE bank_notifications (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL,
    amount BIGINT NOT NULL,
    order_id BIGINT REFERENCES orders (id) ON DELETE SET NULL,
    outcome TEXT NOT NULL,
    received_at DATETIME NOT NULL
);
