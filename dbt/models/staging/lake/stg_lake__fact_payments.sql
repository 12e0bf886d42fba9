with

source as (

    select * from {{ source('lake', 'fact_payments') }}

),

renamed as (

    select
        ---------- ids
        cast(payment_id as {{ dbt.type_string() }}) as payment_id,
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(user_id as {{ dbt.type_string() }}) as customer_id,

        ---------- text
        city,
        upper(currency) as currency,
        upper(status) as payment_status,
        provider,
        method as payment_method,
        failure_reason,
        is_succeeded,

        ---------- numbers
        amount_cents as amount_minor,
        placed_to_payment_minutes,

        ---------- timestamps and dates (UTC)
        created_at,
        updated_at,
        order_placed_at,
        payment_date as payment_date_utc,
        _shard as source_shard

    from source

)

select * from renamed
