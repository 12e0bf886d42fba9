{#- The recommendation job's feed, or an empty feed with the same columns while the job has not run yet
    (the table appears with its first published run): the project builds either way, and the feed's
    marts and exposures always exist. -#}
{%- set feed_table = source('lake', 'customer_recommendations') -%}
{%- set feed_exists = execute and load_relation(feed_table) is not none -%}

with

source as (

    {% if feed_exists %}
    select * from {{ feed_table }}
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_int() }}) as rank,
        cast(null as {{ dbt.type_string() }}) as item_type,
        cast(null as {{ dbt.type_string() }}) as item_id,
        cast(null as {{ dbt.type_string() }}) as item_name,
        cast(null as {{ dbt.type_float() }}) as score,
        cast(null as {{ dbt.type_string() }}) as model_version,
        cast(null as {{ dbt.type_timestamp() }}) as generated_at
    where 1 = 0
    {% endif %}

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
