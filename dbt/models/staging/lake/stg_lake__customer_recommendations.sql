with

source as (

    select * from {{ source('lake', 'customer_recommendations') }}

),

renamed as (

    select
        ---------- ids
        {{ dbt.concat(["cast(customer_id as " ~ dbt.type_string() ~ ")", "'-'", "lower(item_type)", "'-'", "cast(rank as " ~ dbt.type_string() ~ ")"]) }}
            as recommendation_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(item_id as {{ dbt.type_string() }}) as item_id,

        ---------- text
        lower(item_type) as item_type,
        item_name,
        model_version,

        ---------- numbers
        rank as recommendation_rank,
        cast(score as {{ dbt.type_float() }}) as score,

        ---------- timestamps
        generated_at

    from source

)

select * from renamed
