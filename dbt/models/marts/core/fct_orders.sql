{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
    )
}}

{#- One row per order, current state. Incremental: only orders changed since the last run (minus a
    lookback for late CDC changes) are re-read and merged on order_id. Revenue counts delivered orders. -#}

with

orders as (

    select * from {{ ref('int_orders_joined') }}

    {% if is_incremental() %}
    where loaded_at > {{ pizza.incremental_watermark() }}
    {% endif %}

),

final as (

    select
        order_id,
        customer_id,
        restaurant_id,
        city,
        country_code,
        currency,
        status,
        coupon_code,
        coupon_code is not null as has_coupon,

        status = 'DELIVERED' as is_delivered,
        status = 'CANCELLED' as is_cancelled,
        status = 'REFUNDED' as is_refunded,

        subtotal_minor,
        discount_minor,
        delivery_fee_minor,
        total_minor,
        total_amount,
        total_usd,
        case when status = 'DELIVERED' then total_minor else 0 end as revenue_minor,
        case when status = 'DELIVERED' then total_usd else 0 end as revenue_usd,

        line_count,
        item_count,
        delivery_lat,
        delivery_lon,

        placed_at,
        placed_at_local,
        order_date,
        order_hour,
        order_day_of_week,
        paid_at,
        accepted_at,
        ready_at,
        picked_up_at,
        delivered_at,
        cancelled_at,
        refunded_at,
        case
            when delivered_at is not null then {{ pizza.minutes_between('placed_at', 'delivered_at') }}
        end as delivery_minutes,

        loaded_at

    from orders

)

select * from final
