{{
    config(
        materialized='incremental',
        unique_key='orders_hour_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
    )
}}

{#- Demand per local hour: orders per day, hour and restaurant, for the hourly heat map and staffing.
    Incremental like revenue_daily: the days touched since the last run are recomputed whole. -#}

with

orders as (

    select * from {{ ref('fct_orders') }}
    {{ pizza.touched_days_filter(ref('fct_orders')) }}

),

hourly as (

    select
        order_date,
        order_hour,
        order_day_of_week,
        restaurant_id,
        city,
        count(*) as orders_placed,
        sum(case when is_cancelled then 1 else 0 end) as orders_cancelled,
        sum(revenue_usd) as revenue_usd,
        max(loaded_at) as loaded_at

    from orders
    group by order_date, order_hour, order_day_of_week, restaurant_id, city

),

final as (

    select
        {{ dbt.concat([
            "restaurant_id", "'-'", "cast(order_date as " ~ dbt.type_string() ~ ")",
            "'-'", "cast(order_hour as " ~ dbt.type_string() ~ ")",
        ]) }} as orders_hour_id,
        *

    from hourly

)

select * from final
