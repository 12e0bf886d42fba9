{#- Payment outcomes per UTC day, city, currency and provider: how many charges were tried, how many
    went through, failed, were held for fraud review or refunded, and the money behind each, in minor
    units and in USD at reference rates. Finance reads acceptance and refunds here; the fraud team reads
    the review holds. Built from Spark's payment facts (the order's city rides along), rebuilt whole. -#}

with

payments as (

    select * from {{ ref('stg_lake__fact_payments') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

daily as (

    select
        payments.payment_date_utc,
        payments.city,
        payments.currency,
        payments.provider,
        count(*) as payments_attempted,
        sum(case when payments.payment_status = 'SUCCEEDED' then 1 else 0 end) as payments_succeeded,
        sum(case when payments.payment_status = 'FAILED' then 1 else 0 end) as payments_failed,
        sum(case when payments.payment_status = 'REVIEW' then 1 else 0 end) as payments_in_review,
        sum(case when payments.payment_status = 'REFUNDED' then 1 else 0 end) as payments_refunded,
        sum(case when payments.payment_status = 'SUCCEEDED' then payments.amount_minor else 0 end)
            as succeeded_minor,
        sum(case when payments.payment_status = 'REFUNDED' then payments.amount_minor else 0 end)
            as refunded_minor,
        max(fx_rates.minor_unit_exponent) as minor_unit_exponent,
        max(fx_rates.usd_per_unit) as usd_per_unit

    from payments
    left join fx_rates on payments.currency = fx_rates.currency
    group by payments.payment_date_utc, payments.city, payments.currency, payments.provider

),

final as (

    select
        {{ dbt.concat([
            "city", "'-'", "currency", "'-'", "provider", "'-'",
            "cast(payment_date_utc as " ~ dbt.type_string() ~ ")",
        ]) }} as payments_day_id,
        payment_date_utc,
        city,
        currency,
        provider,
        payments_attempted,
        payments_succeeded,
        payments_failed,
        payments_in_review,
        payments_refunded,
        cast(payments_succeeded as {{ dbt.type_float() }}) / payments_attempted as acceptance_rate,
        succeeded_minor,
        refunded_minor,
        {{ pizza.minor_to_major('succeeded_minor', 'minor_unit_exponent') }} * usd_per_unit as succeeded_usd,
        {{ pizza.minor_to_major('refunded_minor', 'minor_unit_exponent') }} * usd_per_unit as refunded_usd

    from daily

)

select * from final
