with

source as (

    select * from {{ source('lake', 'coupons') }}

),

renamed as (

    select
        ---------- ids
        code as coupon_code,

        ---------- text
        lower(kind) as discount_kind,
        upper(currency) as currency,
        city,

        ---------- numbers: percent for 'percentage', minor units for 'fixed'
        value as discount_value,
        min_subtotal_cents as min_subtotal_minor,
        max_uses,
        uses as times_used,
        first_order_only,

        ---------- timestamps
        valid_from,
        valid_until,
        created_at,
        _commit_ts as loaded_at

    from source

)

select * from renamed
