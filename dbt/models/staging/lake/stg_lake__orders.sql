with

source as (

    select * from {{ source('lake', 'orders') }}

),

renamed as (

    select
        ---------- ids
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(user_id as {{ dbt.type_string() }}) as customer_id,
        cast(restaurant_id as {{ dbt.type_string() }}) as restaurant_id,

        ---------- text
        upper(status) as status,
        upper(currency) as currency,
        coupon_code,
        city,

        ---------- money, in minor units of `currency`
        cast(subtotal_cents as {{ dbt.type_bigint() }}) as subtotal_minor,
        cast(discount_cents as {{ dbt.type_bigint() }}) as discount_minor,
        cast(delivery_fee_cents as {{ dbt.type_bigint() }}) as delivery_fee_minor,
        cast(total_cents as {{ dbt.type_bigint() }}) as total_minor,

        ---------- location
        delivery_lat,
        delivery_lon,

        ---------- timestamps
        created_at as placed_at,
        updated_at,

        ---------- lineage
        _shard as source_shard,
        _commit_ts as loaded_at

    from source

)

select * from renamed
