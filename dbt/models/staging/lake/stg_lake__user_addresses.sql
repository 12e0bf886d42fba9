with

source as (

    select * from {{ source('lake', 'user_addresses') }}

),

renamed as (

    select
        ---------- ids
        cast(address_id as {{ dbt.type_string() }}) as address_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,

        ---------- text (street line and postcode are sealed contact data, never curated: the city is enough)
        label as address_label,
        city,
        upper(country) as country_code,

        ---------- location
        lat,
        lon,
        is_default,

        ---------- timestamps
        created_at,
        _commit_ts as loaded_at

    from source

)

select * from renamed
