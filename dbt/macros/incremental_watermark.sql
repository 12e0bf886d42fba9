{#- The CDC watermark an incremental model resumes from: the latest `loaded_at` already in the model,
    minus `incremental_lookback_hours` so late changes (a status update committed after the next order
    row) are picked up again. Merging on the unique key makes the re-read idempotent. -#}
{% macro incremental_watermark() -%}
    (
        select {{ dbt.dateadd('hour', -1 * var('incremental_lookback_hours'), 'max(existing.loaded_at)') }}
        from {{ this }} as existing
    )
{%- endmacro %}

{#- The days an incremental daily or hourly mart recomputes whole: every `order_date` of `relation`
    from the earliest day that holds an order changed since the model's watermark. A day is rebuilt
    from all its orders, so merging on the day's key replaces it exactly. -#}
{% macro touched_days_filter(relation) -%}
    {%- if is_incremental() %}
    where order_date >= (
        select min(order_date) from {{ relation }}
        where loaded_at > {{ pizza.incremental_watermark() }}
    )
    {%- endif %}
{%- endmacro %}
