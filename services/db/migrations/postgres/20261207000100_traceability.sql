-- Traceability (issue 18): traceable products and their identification, lots with their
-- inputs (one step back), the EPCIS-model steps recorded on them, serialised stamps and
-- their scans, the lots shipped on each order line (one step forward) and recall notices.
-- Keep in step with ../sqlite/20261207000100_traceability.sql; docs/traceability.md
-- names the legal data item each column holds.

-- A listing that carries trace codes: its GTIN when the cooperative has one (14 digits,
-- check digit verified before it gets here), and always our own code "KN" + 7-digit
-- cooperative + 5-digit product number `seq` + check digit.
CREATE TABLE trace_products (
    listing_id BIGINT PRIMARY KEY REFERENCES listings (id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL CHECK (seq BETWEEN 1 AND 99999),
    code TEXT NOT NULL,
    gtin TEXT CHECK (gtin IS NULL OR length(gtin) = 14),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX trace_products_seq_key ON trace_products (org_id, seq);
CREATE UNIQUE INDEX trace_products_code_key ON trace_products (code);
CREATE UNIQUE INDEX trace_products_gtin_key ON trace_products (gtin);

CREATE TABLE lots (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    listing_id BIGINT NOT NULL REFERENCES trace_products (listing_id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    produced_on DATE NOT NULL,
    expires_on DATE,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    unit TEXT NOT NULL,
    commune_code TEXT,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    note TEXT,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'recalled')),
    recalled_at TIMESTAMPTZ,
    recall_reason TEXT,
    stamps BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CHECK (expires_on IS NULL OR expires_on >= produced_on)
);
CREATE UNIQUE INDEX lots_code_key ON lots (listing_id, code);
CREATE INDEX lots_org_idx ON lots (org_id, created_at);

-- One step back: the lots (ours or another cooperative's) a lot was made from.
CREATE TABLE lot_inputs (
    lot_id BIGINT NOT NULL REFERENCES lots (id) ON DELETE CASCADE,
    input_lot_id BIGINT NOT NULL REFERENCES lots (id) ON DELETE RESTRICT,
    PRIMARY KEY (lot_id, input_lot_id),
    CHECK (lot_id <> input_lot_id)
);
CREATE INDEX lot_inputs_input_idx ON lot_inputs (input_lot_id);

-- Steps in the EPCIS 2.0 model (commissioning, transforming, packing, shipping, receiving),
-- time in UTC with the offset it was recorded in.
CREATE TABLE trace_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lot_id BIGINT NOT NULL REFERENCES lots (id) ON DELETE CASCADE,
    step TEXT NOT NULL CHECK (step IN ('commissioning', 'transforming', 'packing', 'shipping', 'receiving')),
    occurred_at TIMESTAMPTZ NOT NULL,
    offset_minutes BIGINT NOT NULL DEFAULT 420,
    commune_code TEXT,
    place TEXT,
    quantity BIGINT,
    note TEXT,
    order_id BIGINT REFERENCES orders (id) ON DELETE SET NULL,
    recorded_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX trace_events_lot_idx ON trace_events (lot_id, occurred_at);

-- Serialised units of a lot; the counters are kept by the scan recorder.
CREATE TABLE stamps (
    lot_id BIGINT NOT NULL REFERENCES lots (id) ON DELETE CASCADE,
    serial TEXT NOT NULL,
    scans BIGINT NOT NULL DEFAULT 0,
    last_scan_at TIMESTAMPTZ,
    flagged_at TIMESTAMPTZ,
    PRIMARY KEY (lot_id, serial)
);
CREATE INDEX stamps_flagged_idx ON stamps (flagged_at);

-- One row per scan: a keyed hash of the client (not reversible, the key changes daily) and
-- a coarse network (IPv4 /16, IPv6 /32), never the address itself.
CREATE TABLE stamp_scans (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lot_id BIGINT NOT NULL,
    serial TEXT NOT NULL,
    client TEXT NOT NULL,
    network TEXT,
    scanned_at TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (lot_id, serial) REFERENCES stamps (lot_id, serial) ON DELETE CASCADE
);
CREATE INDEX stamp_scans_stamp_idx ON stamp_scans (lot_id, serial, scanned_at);

-- The distinct clients of each stamp and when each was last seen: what the copy flag
-- counts, one row per client however often she scans.
CREATE TABLE stamp_clients (
    lot_id BIGINT NOT NULL,
    serial TEXT NOT NULL,
    client TEXT NOT NULL,
    last_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (lot_id, serial, client),
    FOREIGN KEY (lot_id, serial) REFERENCES stamps (lot_id, serial) ON DELETE CASCADE
);

-- One step forward: the lots each order line was shipped from.
CREATE TABLE order_item_lots (
    order_item_id BIGINT NOT NULL REFERENCES order_items (id) ON DELETE CASCADE,
    lot_id BIGINT NOT NULL REFERENCES lots (id) ON DELETE RESTRICT,
    PRIMARY KEY (order_item_id, lot_id)
);
CREATE INDEX order_item_lots_lot_idx ON order_item_lots (lot_id);

-- Who was told of a recall, once per buyer.
CREATE TABLE recall_notices (
    lot_id BIGINT NOT NULL REFERENCES lots (id) ON DELETE CASCADE,
    buyer_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id BIGINT REFERENCES conversations (id) ON DELETE SET NULL,
    sent_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (lot_id, buyer_id)
);
