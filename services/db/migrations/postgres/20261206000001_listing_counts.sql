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

CREATE FUNCTION listings_count_public() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was BOOLEAN := FALSE;
    now_public BOOLEAN := FALSE;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        was := OLD.status = 'published' AND OLD.hidden_reason IS NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        now_public := NEW.status = 'published' AND NEW.hidden_reason IS NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND was = now_public AND OLD.org_id = NEW.org_id THEN
        RETURN NULL;
    END IF;
    IF was THEN
        UPDATE org_listing_counts SET public_listings = public_listings - 1
        WHERE org_id = OLD.org_id;
    END IF;
    IF now_public THEN
        INSERT INTO org_listing_counts (org_id, public_listings) VALUES (NEW.org_id, 1)
        ON CONFLICT (org_id) DO UPDATE
        SET public_listings = org_listing_counts.public_listings + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER listings_count AFTER INSERT OR DELETE OR UPDATE OF status, hidden_reason, org_id
    ON listings FOR EACH ROW EXECUTE FUNCTION listings_count_public();
