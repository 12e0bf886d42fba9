{#- Orders with everything the order marts need on one row: restaurant attributes (country, time zone),
    the lifecycle clock, item counts and money in major units and in USD. Local date and hour are the
    restaurant's: "Tuesday 19:00" means dinner time in that city, not in UTC. -#}

with

orders as (

    select * from {{ ref('stg_lake__orders') }}

),

restaurants as (

    select * from {{ ref('stg_lake__restaurants') }}

),

statuses as (

    select * from {{ ref('int_order_statuses_pivoted') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

items as (

    select
        order_id,
        count(*) as line_count,
        sum(quantity) as item_count

    from {{ ref('stg_lake__order_items') }}
    group by order_id

),

joined as (

    select
        orders.order_id,
        orders.customer_id,
        orders.restaurant_id,
        orders.city,
        restaurants.country_code,
        restaurants.timezone,
        orders.status,
        orders.currency,
        orders.coupon_code,

        orders.subtotal_minor,
        orders.discount_minor,
        orders.delivery_fee_minor,
        orders.total_minor,
        {{ pizza.minor_to_major('orders.total_minor', 'fx_rates.minor_unit_exponent') }} as total_amount,
        {{ pizza.minor_to_major('orders.total_minor', 'fx_rates.minor_unit_exponent') }} * fx_rates.usd_per_unit
            as total_usd,

        coalesce(items.line_count, 0) as line_count,
        coalesce(items.item_count, 0) as item_count,

        orders.delivery_lat,
        orders.delivery_lon,

        orders.placed_at,
        {{ pizza.to_local_timestamp('orders.placed_at', 'restaurants.timezone') }} as placed_at_local,
        statuses.paid_at,
        statuses.accepted_at,
        statuses.preparing_at,
        statuses.ready_at,
        statuses.picked_up_at,
        statuses.delivered_at,
        statuses.cancelled_at,
        statuses.refunded_at,

        orders.loaded_at

    from orders
    inner join restaurants on orders.restaurant_id = restaurants.restaurant_id
    inner join fx_rates on orders.currency = fx_rates.currency
    left join statuses on orders.order_id = statuses.order_id
    left join items on orders.order_id = items.order_id

),

final as (

    select
        *,
        cast(placed_at_local as date) as order_date,
        cast(extract(hour from placed_at_local) as integer) as order_hour,
        {{ pizza.iso_day_of_week('placed_at_local') }} as order_day_of_week

    from joined

)

select * from final
