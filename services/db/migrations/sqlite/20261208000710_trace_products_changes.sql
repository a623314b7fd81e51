-- A listing's GTIN shows in the product feeds (issue 21), whose ETag is the search change
-- log's position: a product made traceable, its GTIN changed or removed is a change of the
-- listing. Keep in step with ../postgres/20261208000710_trace_products_changes.sql.
CREATE TRIGGER trace_products_search_insert AFTER INSERT ON trace_products BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES ('listing', NEW.listing_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER trace_products_search_update AFTER UPDATE ON trace_products BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES ('listing', NEW.listing_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER trace_products_search_delete AFTER DELETE ON trace_products BEGIN
    INSERT INTO search_changes (kind, entity_id, created_at)
    VALUES ('listing', OLD.listing_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
