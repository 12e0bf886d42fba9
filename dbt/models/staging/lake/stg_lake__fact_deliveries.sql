with

source as (

    select * from {{ source('lake', 'fact_deliveries') }}

),

renamed as (

    select
        ---------- ids
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(user_id as {{ dbt.type_string() }}) as customer_id,
        cast(restaurant_id as {{ dbt.type_string() }}) as restaurant_id,

        ---------- text
        city,
        upper(final_status) as status,
        is_delivered,

        ---------- durations
        ready_to_picked_up_minutes as pickup_wait_minutes,
        picked_up_to_delivered_minutes as ride_minutes,
        placed_to_delivered_minutes as delivery_minutes,

        ---------- timestamps and dates (UTC)
        placed_at,
        ready_at,
        picked_up_at,
        delivered_at,
        order_date as order_date_utc,
        _shard as source_shard

    from source

)

select * from renamed
