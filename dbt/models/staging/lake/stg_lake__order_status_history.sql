with

source as (

    select * from {{ source('lake', 'order_status_history') }}

),

renamed as (

    select
        ---------- ids
        {{ dbt.concat(["cast(order_id as " ~ dbt.type_string() ~ ")", "'-'", "cast(seq as " ~ dbt.type_string() ~ ")"]) }}
            as status_change_id,
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        seq as change_seq,

        ---------- text
        upper(from_status) as from_status,
        upper(to_status) as to_status,
        reason,
        changed_by,

        ---------- timestamps
        changed_at,
        _commit_ts as loaded_at

    from source

)

select * from renamed
