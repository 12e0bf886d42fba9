-- Reviews in the catalog, next to the restaurants they rate: the hot read is "reviews of a restaurant"
-- (one index range here, instead of a scatter-gather over every user shard), and the rating aggregate
-- on restaurants is updated in the same transaction as the insert, so it is always current.
-- The order lives on the customer's shard; eligibility (own order, DELIVERED) is checked there first.
-- depends: 0002_restaurants

CREATE TABLE IF NOT EXISTS reviews (
    review_id      uuid PRIMARY KEY,                  -- UUIDv7: time-ordered, the page cursor
    order_id       uuid NOT NULL UNIQUE,              -- one review per order
    user_id        uuid NOT NULL,
    restaurant_id  uuid NOT NULL REFERENCES restaurants (restaurant_id),
    rating         smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment        text CHECK (char_length(comment) <= 2000),
    author_name    text,                              -- display name at the time of writing
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS reviews_restaurant_idx ON reviews (restaurant_id, review_id DESC);
CREATE INDEX IF NOT EXISTS reviews_user_idx ON reviews (user_id);

-- The exact sum of ratings, so rating_avg = rating_sum / rating_count never drifts through rounding.
ALTER TABLE restaurants ADD COLUMN IF NOT EXISTS rating_sum bigint NOT NULL DEFAULT 0;
UPDATE restaurants SET rating_sum = round(coalesce(rating_avg, 0) * rating_count)::bigint
 WHERE rating_count > 0 AND rating_sum = 0;
