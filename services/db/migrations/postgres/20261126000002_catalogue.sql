-- Cooperative profiles, women in management, media, badges, listings with offers and
-- price tiers, photos, proxy grants and the audit log.
-- Keep in step with ../sqlite/20261126000002_catalogue.sql: a test compares the two.

ALTER TABLE organisations ADD COLUMN registration_no TEXT;
ALTER TABLE organisations ADD COLUMN tax_code TEXT;
ALTER TABLE organisations ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE organisations ADD COLUMN lon DOUBLE PRECISION;
ALTER TABLE organisations ADD COLUMN sector TEXT;
ALTER TABLE organisations ADD COLUMN story_en TEXT;
ALTER TABLE organisations ADD COLUMN zalo TEXT;
ALTER TABLE organisations ADD COLUMN website TEXT;
ALTER TABLE organisations ADD COLUMN facebook TEXT;
ALTER TABLE organisations ADD COLUMN jobs_female BIGINT;
ALTER TABLE organisations ADD COLUMN logo_key TEXT;
CREATE UNIQUE INDEX organisations_registration_no_key ON organisations (registration_no);
CREATE INDEX organisations_commune_idx ON organisations (commune_code);
CREATE INDEX organisations_sector_idx ON organisations (sector);

CREATE TABLE women_managers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    since_year BIGINT,
    position BIGINT NOT NULL
);
CREATE INDEX women_managers_org_idx ON women_managers (org_id, position);

CREATE TABLE media (
    storage_key TEXT PRIMARY KEY NOT NULL,
    content_type TEXT NOT NULL,
    width BIGINT,
    height BIGINT,
    byte_size BIGINT NOT NULL,
    org_id BIGINT REFERENCES organisations (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE listings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id TEXT,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    title_vi TEXT NOT NULL,
    title_en TEXT,
    description_vi TEXT NOT NULL,
    description_en TEXT,
    category_id TEXT NOT NULL,
    category_group TEXT NOT NULL,
    unit TEXT NOT NULL,
    stock BIGINT,
    months BIGINT NOT NULL,
    origin_commune_code TEXT,
    certifications TEXT NOT NULL,
    ocop_claim BIGINT,
    status TEXT NOT NULL,
    hidden_reason TEXT,
    hidden_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    min_price BIGINT NOT NULL,
    published_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK (status IN ('draft', 'published', 'paused', 'archived'))
);
CREATE UNIQUE INDEX listings_external_id_key ON listings (external_id);
CREATE INDEX listings_public_idx ON listings (status, published_at);
CREATE INDEX listings_org_idx ON listings (org_id, status);
CREATE INDEX listings_category_idx ON listings (category_id, status);
CREATE INDEX listings_group_idx ON listings (category_group, status);

CREATE TABLE offers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    listing_id BIGINT NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    price BIGINT NOT NULL,
    case_size BIGINT,
    min_order_qty BIGINT,
    duration_hours BIGINT,
    max_group_size BIGINT,
    position BIGINT NOT NULL,
    CHECK (kind IN ('retail', 'wholesale', 'experience')),
    CHECK (price > 0)
);
CREATE INDEX offers_listing_idx ON offers (listing_id, position);

CREATE TABLE price_tiers (
    offer_id BIGINT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    min_qty BIGINT NOT NULL,
    price BIGINT NOT NULL,
    PRIMARY KEY (offer_id, min_qty)
);

CREATE TABLE listing_photos (
    listing_id BIGINT NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    media_key TEXT NOT NULL REFERENCES media (storage_key),
    PRIMARY KEY (listing_id, position)
);

CREATE TABLE badges (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    listing_id BIGINT REFERENCES listings (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    number TEXT,
    issuer TEXT,
    stars BIGINT,
    product_group TEXT,
    expires_on DATE,
    evidence_key TEXT REFERENCES media (storage_key),
    status TEXT NOT NULL,
    reason TEXT,
    submitted_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    verifier_label TEXT,
    decided_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    CHECK (status IN ('pending', 'verified', 'rejected'))
);
CREATE INDEX badges_org_idx ON badges (org_id, status);
CREATE INDEX badges_listing_idx ON badges (listing_id);
CREATE INDEX badges_status_idx ON badges (status, created_at);

CREATE TABLE proxy_grants (
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    officer_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    granted_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, officer_id)
);

CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT REFERENCES organisations (id) ON DELETE CASCADE,
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    on_behalf_of BIGINT REFERENCES organisations (id) ON DELETE SET NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_log_org_idx ON audit_log (org_id, id);
