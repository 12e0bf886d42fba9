with

source as (

    select * from {{ source('lake', 'fact_orders') }}

),

renamed as (

    select
        ---------- ids
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(user_id as {{ dbt.type_string() }}) as customer_id,
        cast(restaurant_id as {{ dbt.type_string() }}) as restaurant_id,

        ---------- text
        city,
        upper(currency) as currency,
        coupon_code,
        upper(final_status) as status,

        ---------- numbers, money in minor units of `currency`
        subtotal_cents as subtotal_minor,
        discount_cents as discount_minor,
        delivery_fee_cents as delivery_fee_minor,
        total_cents as total_minor,
        item_count,
        line_count,
        placed_to_paid_minutes,
        paid_to_ready_minutes,
        ready_to_picked_up_minutes,
        picked_up_to_delivered_minutes,
        placed_to_delivered_minutes,

        ---------- timestamps and dates (UTC)
        placed_at,
        paid_at,
        accepted_at,
        ready_at,
        picked_up_at,
        delivered_at,
        cancelled_at,
        order_date as order_date_utc,
        _shard as source_shard

    from source

)

select * from renamed
