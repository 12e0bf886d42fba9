{{
    config(
        materialized='incremental',
        unique_key='revenue_day_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
    )
}}

{#- Orders and revenue per local business day and restaurant (city, country and currency ride along).
    Revenue is reported in the restaurant's currency and, for global totals, in USD at reference rates.
    Incremental: the days touched by orders changed since the last run are recomputed whole. -#}

with

orders as (

    select * from {{ ref('fct_orders') }}
    {{ pizza.touched_days_filter(ref('fct_orders')) }}

),

daily as (

    select
        order_date,
        restaurant_id,
        city,
        country_code,
        currency,
        count(*) as orders_placed,
        sum(case when is_delivered then 1 else 0 end) as orders_delivered,
        sum(case when is_cancelled then 1 else 0 end) as orders_cancelled,
        sum(case when is_delivered then item_count else 0 end) as items_sold,
        sum(revenue_minor) as revenue_minor,
        sum(case when is_delivered then total_amount else 0 end) as revenue_amount,
        sum(revenue_usd) as revenue_usd,
        sum(case when is_delivered then discount_minor else 0 end) as discount_minor,
        sum(delivery_minutes) as delivery_minutes_sum,
        count(delivery_minutes) as delivery_minutes_count,
        max(loaded_at) as loaded_at

    from orders
    group by order_date, restaurant_id, city, country_code, currency

),

final as (

    select
        {{ dbt.concat(["restaurant_id", "'-'", "cast(order_date as " ~ dbt.type_string() ~ ")"]) }} as revenue_day_id,
        *

    from daily

)

select * from final
