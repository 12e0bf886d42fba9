with

source as (

    select * from {{ source('lake', 'order_items') }}

),

renamed as (

    select
        ---------- ids
        {{ dbt.concat(["cast(order_id as " ~ dbt.type_string() ~ ")", "'-'", "cast(line_no as " ~ dbt.type_string() ~ ")"]) }}
            as order_item_id,
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        line_no,
        menu_item_id,

        ---------- text
        name as item_name,
        size as item_size,
        toppings as toppings_json,

        ---------- numbers, money in minor units of the order's currency
        quantity,
        cast(unit_price_cents as {{ dbt.type_bigint() }}) as unit_price_minor,
        cast(line_total_cents as {{ dbt.type_bigint() }}) as line_total_minor,

        ---------- timestamps
        order_created_at as order_placed_at,
        _commit_ts as loaded_at

    from source

)

select * from renamed
