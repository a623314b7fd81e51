-- The search index's change log. Triggers write one row per change of anything a search
-- document shows, inside the transaction that makes the change, so no write path can
-- forget it and a rolled-back change leaves no entry. The indexer reads the log in id
-- order, applies it and records how far it got in `search_state`.
CREATE TABLE search_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    created_at DATETIME NOT NULL,
    CHECK (kind IN ('listing', 'cooperative'))
);

CREATE TABLE search_state (
    consumer TEXT PRIMARY KEY NOT NULL,
    position BIGINT NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TRIGGER listings_search_insert AFTER INSERT ON listings BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES ('listing', NEW.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER listings_search_update AFTER UPDATE ON listings BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES ('listing', NEW.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER listings_search_delete AFTER DELETE ON listings BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES ('listing', OLD.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

CREATE TRIGGER offers_search_insert AFTER INSERT ON offers BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES ('listing', NEW.listing_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER offers_search_update AFTER UPDATE ON offers BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES ('listing', NEW.listing_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER offers_search_delete AFTER DELETE ON offers BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES ('listing', OLD.listing_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

CREATE TRIGGER listing_photos_search_insert AFTER INSERT ON listing_photos BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES ('listing', NEW.listing_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER listing_photos_search_delete AFTER DELETE ON listing_photos BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES ('listing', OLD.listing_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

-- A badge of a listing changes that listing; a badge of a cooperative changes the
-- cooperative (and, through the indexer, its listings).
CREATE TRIGGER badges_search_insert AFTER INSERT ON badges BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES (CASE WHEN NEW.listing_id IS NULL THEN 'cooperative' ELSE 'listing' END,
            COALESCE(NEW.listing_id, NEW.org_id), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER badges_search_update AFTER UPDATE ON badges BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES (CASE WHEN NEW.listing_id IS NULL THEN 'cooperative' ELSE 'listing' END,
            COALESCE(NEW.listing_id, NEW.org_id), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER badges_search_delete AFTER DELETE ON badges BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES (CASE WHEN OLD.listing_id IS NULL THEN 'cooperative' ELSE 'listing' END,
            COALESCE(OLD.listing_id, OLD.org_id), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

CREATE TRIGGER organisations_search_insert AFTER INSERT ON organisations BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES ('cooperative', NEW.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER organisations_search_update AFTER UPDATE ON organisations BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES ('cooperative', NEW.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER organisations_search_delete AFTER DELETE ON organisations BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES ('cooperative', OLD.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
