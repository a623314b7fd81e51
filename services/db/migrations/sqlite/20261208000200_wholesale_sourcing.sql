-- Wholesale sourcing (issue 21): verified trade buyers, requests for quotation (RFQ), the
-- cooperatives each request reached, quotes (a joint quote has several shares, one per
-- cooperative, with its quantity and price) and the orders an accepted quote became.
-- Keep in step with ../postgres/20261208000200_wholesale_sourcing.sql: a test compares the two.
--
-- A trade buyer is an organisation of kind 'buyer' with a tax code (checked when entered);
-- an officer or administrator verifying it sets tax_verified_at/by. A cooperative may show
-- its wholesale offers' prices to verified trade buyers only (wholesale_verified_only).
-- A listing's declared monthly capacity (in its unit) is what a request is matched against
-- when the listing keeps no stock figure. A quote past valid_until cannot be accepted; its
-- status stays 'open' (expiry is read from the clock, not written by a job).

ALTER TABLE organisations ADD COLUMN tax_verified_at DATETIME;
ALTER TABLE organisations ADD COLUMN tax_verified_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE organisations ADD COLUMN wholesale_verified_only BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE listings ADD COLUMN monthly_capacity BIGINT;

CREATE TABLE rfqs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    buyer_org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    category_id TEXT,
    words TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit TEXT NOT NULL,
    target_price BIGINT,
    delivery_commune_code TEXT,
    delivery_province_code TEXT NOT NULL,
    deliver_from DATE NOT NULL,
    deliver_until DATE,
    recurrence TEXT NOT NULL,
    certifications TEXT NOT NULL,
    min_ocop_stars BIGINT,
    max_distance_km BIGINT,
    deadline DATE NOT NULL,
    visibility TEXT NOT NULL,
    status TEXT NOT NULL,
    notified_count BIGINT NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    CHECK (quantity > 0),
    CHECK (target_price IS NULL OR target_price > 0),
    CHECK (recurrence IN ('once', 'weekly', 'monthly')),
    CHECK (visibility IN ('public', 'invited')),
    CHECK (status IN ('open', 'awarded', 'closed')),
    CHECK (min_ocop_stars IS NULL OR min_ocop_stars BETWEEN 3 AND 5),
    CHECK (max_distance_km IS NULL OR max_distance_km > 0)
);
CREATE INDEX rfqs_buyer_idx ON rfqs (buyer_org_id, created_at);
CREATE INDEX rfqs_open_idx ON rfqs (status, deadline);

CREATE TABLE rfq_recipients (
    rfq_id BIGINT NOT NULL REFERENCES rfqs (id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    distance_km BIGINT,
    notified_at DATETIME,
    PRIMARY KEY (rfq_id, org_id),
    CHECK (reason IN ('matched', 'invited'))
);
CREATE INDEX rfq_recipients_org_idx ON rfq_recipients (org_id);

CREATE TABLE quotes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rfq_id BIGINT NOT NULL REFERENCES rfqs (id) ON DELETE CASCADE,
    lead_org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    by_proxy BOOLEAN NOT NULL DEFAULT FALSE,
    valid_until DATETIME NOT NULL,
    deliver_from DATE,
    note TEXT,
    status TEXT NOT NULL,
    conversation_id BIGINT REFERENCES conversations (id) ON DELETE SET NULL,
    accepted_at DATETIME,
    accepted_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    CHECK (status IN ('open', 'accepted', 'withdrawn'))
);
CREATE INDEX quotes_rfq_idx ON quotes (rfq_id, created_at);
CREATE INDEX quotes_lead_idx ON quotes (lead_org_id);

CREATE TABLE quote_shares (
    quote_id BIGINT NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    listing_id BIGINT NOT NULL REFERENCES listings (id) ON DELETE RESTRICT,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (quote_id, org_id),
    CHECK (quantity > 0),
    CHECK (unit_price > 0)
);
CREATE INDEX quote_shares_org_idx ON quote_shares (org_id);

CREATE TABLE quote_tiers (
    quote_id BIGINT NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    min_qty BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    PRIMARY KEY (quote_id, min_qty),
    CHECK (min_qty > 0),
    CHECK (unit_price > 0)
);

ALTER TABLE orders ADD COLUMN quote_id BIGINT REFERENCES quotes (id) ON DELETE SET NULL;
CREATE INDEX orders_quote_idx ON orders (quote_id);
