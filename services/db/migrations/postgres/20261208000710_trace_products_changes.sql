-- A listing's GTIN shows in the product feeds (issue 21), whose ETag is the search change
-- log's position: a product made traceable, its GTIN changed or removed is a change of the
-- listing. Keep in step with ../sqlite/20261208000710_trace_products_changes.sql.
CREATE TRIGGER trace_products_search AFTER INSERT OR UPDATE OR DELETE ON trace_products
    FOR EACH ROW EXECUTE FUNCTION search_log_listing_part();
