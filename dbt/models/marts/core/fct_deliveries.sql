{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
    )
}}

{#- One row per order that reached the kitchen pass (READY): the delivery leg and its SLA.
    There is no rider table yet, so the delivery is read from the status clock:
    READY -> PICKED_UP (waiting for a rider) -> DELIVERED (the ride).
    Promise: placed_at + the city's promised minutes (seed `delivery_promises`), or the project variable
    `default_promised_delivery_minutes` for cities without a row. Late = delivered after the promise. -#}

with

orders as (

    select * from {{ ref('int_orders_joined') }}
    where ready_at is not null or picked_up_at is not null or delivered_at is not null

    {% if is_incremental() %}
    and loaded_at > {{ pizza.incremental_watermark() }}
    {% endif %}

),

promises as (

    select * from {{ ref('delivery_promises') }}

),

promised as (

    select
        orders.*,
        coalesce(promises.promised_minutes, {{ var('default_promised_delivery_minutes') }}) as promised_minutes

    from orders
    left join promises on orders.city = promises.city

),

final as (

    select
        order_id,
        restaurant_id,
        customer_id,
        city,
        country_code,
        order_date,
        order_hour,

        placed_at,
        ready_at,
        picked_up_at,
        delivered_at,
        promised_minutes,
        {{ dbt.dateadd('minute', 'promised_minutes', 'placed_at') }} as promised_at,

        {{ pizza.minutes_between('placed_at', 'ready_at') }} as kitchen_minutes,
        {{ pizza.minutes_between('ready_at', 'picked_up_at') }} as pickup_wait_minutes,
        {{ pizza.minutes_between('picked_up_at', 'delivered_at') }} as ride_minutes,
        {{ pizza.minutes_between('placed_at', 'delivered_at') }} as delivery_minutes,
        {{ pizza.minutes_between('placed_at', 'delivered_at') }} - promised_minutes as minutes_late,

        case
            when delivered_at is not null then 'delivered'
            when status in ('CANCELLED', 'REFUNDED') then 'not_delivered'
            else 'in_flight'
        end as delivery_status,

        case
            when delivered_at is null then null
            when {{ pizza.minutes_between('placed_at', 'delivered_at') }} <= promised_minutes then true
            else false
        end as is_on_time,

        loaded_at

    from promised

)

select * from final
