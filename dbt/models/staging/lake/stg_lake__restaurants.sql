with

source as (

    select * from {{ source('lake', 'restaurants') }}

),

renamed as (

    select
        ---------- ids
        cast(restaurant_id as {{ dbt.type_string() }}) as restaurant_id,

        ---------- text
        name as restaurant_name,
        city,
        upper(country) as country_code,
        timezone,
        upper(currency) as currency,
        cuisine,

        ---------- location
        lat,
        lon,

        ---------- ratings, aggregated by the restaurant service
        cast(rating_avg as {{ dbt.type_float() }}) as rating_avg,
        rating_count,

        ---------- flags and timestamps
        is_active,
        created_at,
        updated_at,
        _commit_ts as loaded_at

    from source

)

select * from renamed
