-- The serving store of the recommendation feed (contract: pizza/contracts/recommendations.py).
-- Refreshed by the daily recommendations_refresh DAG in one transaction per run; the API only reads it.
-- depends:

CREATE TABLE IF NOT EXISTS customer_recommendations (
    user_id        uuid NOT NULL,
    item_type      text NOT NULL CHECK (item_type IN ('dish', 'restaurant')),
    rank           integer NOT NULL CHECK (rank >= 1),
    item_id        text NOT NULL,
    item_name      text NOT NULL,
    score          double precision NOT NULL,
    model_version  text NOT NULL,
    generated_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, item_type, rank)
);

COMMENT ON TABLE customer_recommendations IS
  'Top-N dishes and restaurants per customer from the latest published ALS run; replaced whole per run.';

CREATE TABLE IF NOT EXISTS recommendation_publications (
    run_id         text PRIMARY KEY,
    model_version  text NOT NULL,
    row_count      bigint NOT NULL,
    published_at   timestamptz NOT NULL DEFAULT now()
);
