{#- Size and value of each RFM segment per city: the marketers' audience sizes. -#}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

final as (

    select
        {{ dbt.concat(["rfm_segment", "'-'", "coalesce(first_order_city, home_city, 'unknown')"]) }} as segment_city_id,
        rfm_segment,
        coalesce(first_order_city, home_city, 'unknown') as city,
        count(*) as customers,
        sum(orders_placed) as orders_placed,
        sum(lifetime_revenue_usd) as lifetime_revenue_usd,
        avg(recency_days) as avg_recency_days,
        avg(orders_placed) as avg_orders_placed

    from customers
    group by 2, 3

)

select * from final
