-- The search index's change log. Triggers write one row per change of anything a search
-- document shows, inside the transaction that makes the change, so no write path can
-- forget it and a rolled-back change leaves no entry. The indexer reads the log in id
-- order, applies it and records how far it got in `search_state`.
CREATE TABLE search_changes (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CHECK (kind IN ('listing', 'cooperative'))
);

CREATE TABLE search_state (
    consumer TEXT PRIMARY KEY NOT NULL,
    position BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE FUNCTION search_log_listing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO search_changes (kind, entity_id, created_at) VALUES ('listing', OLD.id, now());
    ELSE
        INSERT INTO search_changes (kind, entity_id, created_at) VALUES ('listing', NEW.id, now());
    END IF;
    RETURN NULL;
END;
$$;

-- Offers and photos belong to a listing: a change to them changes the listing.
CREATE FUNCTION search_log_listing_part() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO search_changes (kind, entity_id, created_at) VALUES ('listing', OLD.listing_id, now());
    ELSE
        INSERT INTO search_changes (kind, entity_id, created_at) VALUES ('listing', NEW.listing_id, now());
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION search_log_cooperative() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO search_changes (kind, entity_id, created_at) VALUES ('cooperative', OLD.id, now());
    ELSE
        INSERT INTO search_changes (kind, entity_id, created_at) VALUES ('cooperative', NEW.id, now());
    END IF;
    RETURN NULL;
END;
$$;

-- A badge of a listing changes that listing; a badge of a cooperative changes the
-- cooperative (and, through the indexer, its listings).
CREATE FUNCTION search_log_badge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO search_changes (kind, entity_id, created_at)
        VALUES (CASE WHEN OLD.listing_id IS NULL THEN 'cooperative' ELSE 'listing' END,
                COALESCE(OLD.listing_id, OLD.org_id), now());
    ELSE
        INSERT INTO search_changes (kind, entity_id, created_at)
        VALUES (CASE WHEN NEW.listing_id IS NULL THEN 'cooperative' ELSE 'listing' END,
                COALESCE(NEW.listing_id, NEW.org_id), now());
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER listings_search AFTER INSERT OR UPDATE OR DELETE ON listings
    FOR EACH ROW EXECUTE FUNCTION search_log_listing();
CREATE TRIGGER offers_search AFTER INSERT OR UPDATE OR DELETE ON offers
    FOR EACH ROW EXECUTE FUNCTION search_log_listing_part();
CREATE TRIGGER listing_photos_search AFTER INSERT OR DELETE ON listing_photos
    FOR EACH ROW EXECUTE FUNCTION search_log_listing_part();
CREATE TRIGGER badges_search AFTER INSERT OR UPDATE OR DELETE ON badges
    FOR EACH ROW EXECUTE FUNCTION search_log_badge();
CREATE TRIGGER organisations_search AFTER INSERT OR UPDATE OR DELETE ON organisations
    FOR EACH ROW EXECUTE FUNCTION search_log_cooperative();
