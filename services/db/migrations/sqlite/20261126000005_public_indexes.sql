-- Indexes for the public catalogue: only listings the public sees (published, not hidden),
-- in the order the pages show them (newest first), overall, per cooperative and per category.
CREATE INDEX listings_visible_idx ON listings (published_at, id)
    WHERE status = 'published' AND hidden_reason IS NULL;
CREATE INDEX listings_visible_org_idx ON listings (org_id, published_at, id)
    WHERE status = 'published' AND hidden_reason IS NULL;
CREATE INDEX listings_visible_category_idx ON listings (category_id, published_at, id)
    WHERE status = 'published' AND hidden_reason IS NULL;
CREATE INDEX listings_visible_group_idx ON listings (category_group, published_at, id)
    WHERE status = 'published' AND hidden_reason IS NULL;
-- Counting a cooperative's public listings reads this index alone (no table rows).
DROP INDEX listings_org_idx;
CREATE INDEX listings_org_idx ON listings (org_id, status, hidden_reason);
-- OCOP stars and certificates of a cooperative (directory filters and cards).
CREATE INDEX badges_org_kind_idx ON badges (org_id, kind, status);
