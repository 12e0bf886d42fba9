{#- One row per restaurant: catalog attributes plus lifetime order, revenue and delivery figures. -#}

with

restaurants as (

    select * from {{ ref('stg_lake__restaurants') }}

),

orders as (

    select
        restaurant_id,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        count(*) as orders_placed,
        sum(case when is_delivered then 1 else 0 end) as orders_delivered,
        sum(case when is_cancelled then 1 else 0 end) as orders_cancelled,
        sum(revenue_minor) as revenue_minor,
        sum(revenue_usd) as revenue_usd

    from {{ ref('fct_orders') }}
    group by restaurant_id

),

deliveries as (

    select
        restaurant_id,
        avg(delivery_minutes) as avg_delivery_minutes,
        avg(case when is_on_time then 1.0 when is_on_time is not null then 0.0 end) as on_time_rate

    from {{ ref('fct_deliveries') }}
    group by restaurant_id

),

final as (

    select
        restaurants.restaurant_id,
        restaurants.restaurant_name,
        restaurants.city,
        restaurants.country_code,
        restaurants.timezone,
        restaurants.currency,
        restaurants.cuisine,
        restaurants.lat,
        restaurants.lon,
        restaurants.rating_avg,
        restaurants.rating_count,
        restaurants.is_active,
        restaurants.created_at,

        orders.first_order_date,
        orders.last_order_date,
        coalesce(orders.orders_placed, 0) as orders_placed,
        coalesce(orders.orders_delivered, 0) as orders_delivered,
        coalesce(orders.orders_cancelled, 0) as orders_cancelled,
        coalesce(orders.revenue_minor, 0) as revenue_minor,
        coalesce(orders.revenue_usd, 0) as revenue_usd,
        case
            when orders.orders_placed > 0 then cast(orders.orders_cancelled as {{ dbt.type_float() }}) / orders.orders_placed
        end as cancellation_rate,
        deliveries.avg_delivery_minutes,
        deliveries.on_time_rate

    from restaurants
    left join orders on restaurants.restaurant_id = orders.restaurant_id
    left join deliveries on restaurants.restaurant_id = deliveries.restaurant_id

)

select * from final
