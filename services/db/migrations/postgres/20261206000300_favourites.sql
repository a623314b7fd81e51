-- A buyer's saved listings ("yêu thích", issue 15). Keep in step with
-- ../sqlite/20261206000300_favourites.sql.
CREATE TABLE favourites (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    listing_id BIGINT NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, listing_id)
);
