{#- The Spark fact jobs and dbt derive orders from the same curated tables; per UTC day, order counts,
    delivered counts and money must agree. A difference means one pipeline is behind or a definition drifted.
    Warn, not fail: the two are refreshed on their own schedules and may be minutes apart. -#}
{{ config(severity='warn') }}

with

dbt_side as (

    select
        cast(placed_at as date) as order_date_utc,
        count(*) as orders_placed,
        sum(case when is_delivered then 1 else 0 end) as orders_delivered,
        sum(total_minor) as total_minor
    from {{ ref('fct_orders') }}
    group by 1

),

spark_side as (

    select
        order_date_utc,
        count(*) as orders_placed,
        sum(case when status = 'DELIVERED' then 1 else 0 end) as orders_delivered,
        sum(total_minor) as total_minor
    from {{ ref('stg_lake__fact_orders') }}
    group by 1

)

select
    coalesce(dbt_side.order_date_utc, spark_side.order_date_utc) as order_date_utc,
    dbt_side.orders_placed as dbt_orders,
    spark_side.orders_placed as spark_orders,
    dbt_side.total_minor as dbt_total_minor,
    spark_side.total_minor as spark_total_minor
from dbt_side
full outer join spark_side on dbt_side.order_date_utc = spark_side.order_date_utc
where dbt_side.orders_placed is distinct from spark_side.orders_placed
   or dbt_side.orders_delivered is distinct from spark_side.orders_delivered
   or dbt_side.total_minor is distinct from spark_side.total_minor
