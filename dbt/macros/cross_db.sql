{#- SQL that differs between DuckDB, BigQuery, Snowflake and Postgres, one dispatching macro each.
    dbt's own cross-database macros (dbt.dateadd, dbt.datediff, dbt.date_trunc, ...) cover the rest. -#}

{#- A UTC timestamp as wall-clock time in an IANA zone: business days and hours are local to the restaurant. -#}
{% macro to_local_timestamp(ts, tz) -%}
    {{ return(adapter.dispatch('to_local_timestamp', 'pizza')(ts, tz)) }}
{%- endmacro %}
{% macro default__to_local_timestamp(ts, tz) -%} ({{ ts }} at time zone {{ tz }}) {%- endmacro %}
{% macro duckdb__to_local_timestamp(ts, tz) -%} timezone({{ tz }}, {{ ts }}) {%- endmacro %}
{% macro bigquery__to_local_timestamp(ts, tz) -%} datetime({{ ts }}, {{ tz }}) {%- endmacro %}
{% macro snowflake__to_local_timestamp(ts, tz) -%} convert_timezone({{ tz }}, {{ ts }})::timestamp_ntz {%- endmacro %}

{#- Seconds since the epoch: elapsed time, unlike datediff('minute') which counts boundaries crossed. -#}
{% macro epoch_seconds(ts) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'pizza')(ts)) }}
{%- endmacro %}
{% macro default__epoch_seconds(ts) -%} extract(epoch from {{ ts }}) {%- endmacro %}
{% macro duckdb__epoch_seconds(ts) -%} epoch({{ ts }}) {%- endmacro %}
{% macro bigquery__epoch_seconds(ts) -%} unix_seconds({{ ts }}) {%- endmacro %}
{% macro snowflake__epoch_seconds(ts) -%} date_part(epoch_second, {{ ts }}) {%- endmacro %}

{#- Elapsed minutes, rounded to 2 decimals (round(x, n) takes a numeric on Postgres, hence the casts). -#}
{% macro minutes_between(start_ts, end_ts) -%}
    cast(round(cast(({{ pizza.epoch_seconds(end_ts) }} - {{ pizza.epoch_seconds(start_ts) }}) as {{ dbt.type_numeric() }}) / 60, 2) as {{ dbt.type_float() }})
{%- endmacro %}

{#- ISO day of week, 1 = Monday .. 7 = Sunday. -#}
{% macro iso_day_of_week(ts) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'pizza')(ts)) }}
{%- endmacro %}
{% macro default__iso_day_of_week(ts) -%} cast(extract(isodow from {{ ts }}) as integer) {%- endmacro %}
{% macro bigquery__iso_day_of_week(ts) -%} mod(extract(dayofweek from {{ ts }}) + 5, 7) + 1 {%- endmacro %}
{% macro snowflake__iso_day_of_week(ts) -%} dayofweekiso({{ ts }}) {%- endmacro %}

{#- Monday of the ISO week of a date. -#}
{% macro iso_week_start(d) -%}
    {{ return(adapter.dispatch('iso_week_start', 'pizza')(d)) }}
{%- endmacro %}
{% macro default__iso_week_start(d) -%} cast(date_trunc('week', {{ d }}) as date) {%- endmacro %}
{% macro bigquery__iso_week_start(d) -%} date_trunc({{ d }}, isoweek) {%- endmacro %}

{#- Continuous percentile of a column inside a GROUP BY. -#}
{% macro percentile(expr, fraction) -%}
    {{ return(adapter.dispatch('percentile', 'pizza')(expr, fraction)) }}
{%- endmacro %}
{% macro default__percentile(expr, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expr }})
{%- endmacro %}
{% macro duckdb__percentile(expr, fraction) -%} quantile_cont({{ expr }}, {{ fraction }}) {%- endmacro %}
{% macro bigquery__percentile(expr, fraction) -%}
    approx_quantiles({{ expr }}, 100)[offset({{ (fraction * 100) | int }})]
{%- endmacro %}

{#- Money kept in minor units (cents) -> major units, given the currency's ISO 4217 exponent. -#}
{% macro minor_to_major(minor_units, exponent) -%}
    (cast({{ minor_units }} as {{ dbt.type_float() }}) / power(10, {{ exponent }}))
{%- endmacro %}
