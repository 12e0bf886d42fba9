with

source as (

    select * from {{ source('lake', 'users') }}

),

renamed as (

    select
        ---------- ids
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(restaurant_id as {{ dbt.type_string() }}) as staff_restaurant_id,

        ---------- personal data, already pseudonymised by the loader
        email_hmac,
        phone_hmac,

        ---------- text
        lower(role) as user_role,
        city as home_city,

        ---------- numbers
        loyalty_points,

        ---------- timestamps
        created_at as signed_up_at,
        updated_at,
        _commit_ts as loaded_at

    from source

)

select * from renamed
