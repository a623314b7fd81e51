-- Orders (issue 6). Keep in step with ../sqlite/20261126000014_orders.sql.
--
-- One order per cooperative. Placing an order takes its quantities off the listings' stock
-- in the same transaction, with a conditional UPDATE (stock >= quantity), so concurrent
-- orders can never take more than there is. `order_events` is the timeline: every step with
-- who took it and when. `code` ("KN000123", from the id) is set in the placing transaction.

CREATE TABLE orders (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT,
    buyer_id BIGINT NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE RESTRICT,
    kind TEXT NOT NULL,
    payment TEXT NOT NULL,
    status TEXT NOT NULL,
    total BIGINT NOT NULL,
    delivery_commune TEXT,
    delivery_street TEXT,
    contact_phone TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK (kind IN ('goods', 'experience')),
    CHECK (payment IN ('viet_qr', 'cod', 'stripe')),
    CHECK (total >= 0)
);
CREATE UNIQUE INDEX orders_code_key ON orders (code);
CREATE INDEX orders_buyer_idx ON orders (buyer_id, created_at);
CREATE INDEX orders_org_idx ON orders (org_id, status, created_at);

CREATE TABLE order_items (
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    listing_id BIGINT NOT NULL REFERENCES listings (id) ON DELETE RESTRICT,
    title TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    PRIMARY KEY (order_id, listing_id),
    CHECK (quantity > 0),
    CHECK (unit_price >= 0)
);

CREATE TABLE order_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    step TEXT,
    actor TEXT NOT NULL,
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX order_events_order_idx ON order_events (order_id, id);
