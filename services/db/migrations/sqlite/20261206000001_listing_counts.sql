-- How many public listings (published, not hidden) each organisation has, kept by triggers
-- inside the transaction of every write that changes it (create, status change, hide or
-- show, moving a listing to another organisation, delete; imports and the demo seed alike).
-- The directory and its map read this instead of counting every cooperative's listings on
-- every page view. A table of its own, not a column of `organisations`: a listing write
-- must not count as a change of the cooperative (search feed) nor lock its row.
CREATE TABLE org_listing_counts (
    org_id BIGINT PRIMARY KEY NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    public_listings BIGINT NOT NULL
);

INSERT INTO org_listing_counts (org_id, public_listings)
SELECT org_id, COUNT(*) FROM listings
WHERE status = 'published' AND hidden_reason IS NULL
GROUP BY org_id;

CREATE TRIGGER listings_count_insert AFTER INSERT ON listings
WHEN NEW.status = 'published' AND NEW.hidden_reason IS NULL BEGIN
    INSERT INTO org_listing_counts (org_id, public_listings) VALUES (NEW.org_id, 1)
    ON CONFLICT (org_id) DO UPDATE SET public_listings = public_listings + 1;
END;
CREATE TRIGGER listings_count_delete AFTER DELETE ON listings
WHEN OLD.status = 'published' AND OLD.hidden_reason IS NULL BEGIN
    UPDATE org_listing_counts SET public_listings = public_listings - 1 WHERE org_id = OLD.org_id;
END;
CREATE TRIGGER listings_count_update AFTER UPDATE OF status, hidden_reason, org_id ON listings
WHEN (OLD.status = 'published' AND OLD.hidden_reason IS NULL)
       IS NOT (NEW.status = 'published' AND NEW.hidden_reason IS NULL)
  OR OLD.org_id IS NOT NEW.org_id BEGIN
    UPDATE org_listing_counts SET public_listings = public_listings - 1
    WHERE org_id = OLD.org_id AND OLD.status = 'published' AND OLD.hidden_reason IS NULL;
    INSERT INTO org_listing_counts (org_id, public_listings)
    SELECT NEW.org_id, 1 WHERE NEW.status = 'published' AND NEW.hidden_reason IS NULL
    ON CONFLICT (org_id) DO UPDATE SET public_listings = public_listings + 1;
END;
