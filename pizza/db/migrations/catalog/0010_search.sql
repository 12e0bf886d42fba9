-- Restaurant and dish search in the catalog: full-text vectors, trigram indexes for typo tolerance,
-- great-circle distance (cube + earthdistance) for "near me", and the opening-hours test evaluated in
-- each restaurant's own time zone. The dish index is a projection of the MongoDB menus, rewritten
-- by the API whenever a menu changes.
-- depends: 0002_restaurants

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;

-- 'simple' configuration: menus are written in every language, so no language's stemmer is applied;
-- misspellings and word forms are caught by trigram similarity instead.
ALTER TABLE restaurants ADD COLUMN IF NOT EXISTS search_tsv tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', name), 'A') || setweight(to_tsvector('simple', cuisine || ' ' || city), 'B')
    ) STORED;
CREATE INDEX IF NOT EXISTS restaurants_search_tsv_idx ON restaurants USING gin (search_tsv);
CREATE INDEX IF NOT EXISTS restaurants_cuisine_trgm_idx ON restaurants USING gin (cuisine gin_trgm_ops);
-- "Near a point": a GiST index over the earth cube answers earth_box() bounding-box tests.
CREATE INDEX IF NOT EXISTS restaurants_earth_idx ON restaurants USING gist (ll_to_earth(lat, lon));
-- Listing pages by rating: keyset pagination on (rating, id) within a city.
CREATE INDEX IF NOT EXISTS restaurants_city_rating_idx
    ON restaurants (city, (coalesce(rating_avg, 0)) DESC, restaurant_id);

CREATE TABLE IF NOT EXISTS menu_items_search (
    restaurant_id    uuid NOT NULL REFERENCES restaurants (restaurant_id) ON DELETE CASCADE,
    item_id          text NOT NULL,
    name             text NOT NULL,
    description      text NOT NULL DEFAULT '',
    category         text NOT NULL,
    tags             text[] NOT NULL DEFAULT '{}',
    min_price_cents  bigint NOT NULL CHECK (min_price_cents >= 0),
    available        boolean NOT NULL,
    search_tsv       tsvector NOT NULL,           -- name (A), category and tags (B), description (C)
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (restaurant_id, item_id)
);
CREATE INDEX IF NOT EXISTS menu_items_search_tsv_idx ON menu_items_search USING gin (search_tsv);
CREATE INDEX IF NOT EXISTS menu_items_search_name_trgm_idx ON menu_items_search USING gin (name gin_trgm_ops);

-- Is a restaurant open at ``at``? ``hours`` is {"mon": [["11:00", "23:00"], ...], ...} in local time;
-- a closing time at or before the opening time runs past midnight ("18:00"-"02:00"); "24:00" closes
-- at midnight. Evaluated in the restaurant's own zone, so daylight saving is handled by Postgres.
CREATE OR REPLACE FUNCTION restaurant_is_open(hours jsonb, tz text, at timestamptz)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    WITH local AS (
        SELECT (at AT TIME ZONE tz)::time AS t,
               (ARRAY['mon','tue','wed','thu','fri','sat','sun'])[extract(isodow FROM at AT TIME ZONE tz)::int] AS today,
               (ARRAY['sun','mon','tue','wed','thu','fri','sat'])[extract(isodow FROM at AT TIME ZONE tz)::int] AS yesterday
    )
    SELECT EXISTS (
               SELECT 1 FROM jsonb_array_elements(coalesce(hours -> local.today, '[]'::jsonb)) AS iv
                WHERE (iv ->> 0)::time <= local.t
                  AND (local.t < (iv ->> 1)::time OR (iv ->> 1)::time <= (iv ->> 0)::time)
           )
        OR EXISTS (
               SELECT 1 FROM jsonb_array_elements(coalesce(hours -> local.yesterday, '[]'::jsonb)) AS iv
                WHERE (iv ->> 1)::time <= (iv ->> 0)::time
                  AND local.t < (iv ->> 1)::time
           )
      FROM local
$$;
