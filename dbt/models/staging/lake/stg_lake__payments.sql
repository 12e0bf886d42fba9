with

source as (

    select * from {{ source('lake', 'payments') }}

),

renamed as (

    select
        ---------- ids
        cast(payment_id as {{ dbt.type_string() }}) as payment_id,
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(user_id as {{ dbt.type_string() }}) as customer_id,
        provider_ref,

        ---------- text
        upper(status) as payment_status,
        upper(currency) as currency,
        provider,
        method as payment_method,
        failure_reason,

        ---------- money, in minor units of `currency`
        cast(amount_cents as {{ dbt.type_bigint() }}) as amount_minor,

        ---------- timestamps
        created_at,
        updated_at,
        _commit_ts as loaded_at

    from source

)

select * from renamed
