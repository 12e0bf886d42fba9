{#- The CDC watermark an incremental model resumes from: the latest `loaded_at` already in the model,
    minus `incremental_lookback_hours` so late changes (a status update committed after the next order
    row) are picked up again. Merging on the unique key makes the re-read idempotent. -#}
{% macro incremental_watermark() -%}
    (
        select {{ dbt.dateadd('hour', -1 * var('incremental_lookback_hours'), 'max(existing.loaded_at)') }}
        from {{ this }} as existing
    )
{%- endmacro %}
