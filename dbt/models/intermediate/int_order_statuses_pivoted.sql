{#- One row per order with the first time it reached each status: the lifecycle clock that delivery
    times, SLA and cancellation analysis read. First time, because a status can be re-entered on retries. -#}
{%- set statuses = ['PAID', 'ACCEPTED', 'PREPARING', 'READY', 'PICKED_UP', 'DELIVERED', 'CANCELLED', 'REFUNDED'] -%}

with

history as (

    select * from {{ ref('stg_lake__order_status_history') }}

),

pivoted as (

    select
        order_id,
        {% for status in statuses -%}
        min(case when to_status = '{{ status }}' then changed_at end) as {{ status | lower }}_at,
        {% endfor -%}
        count(*) as status_changes,
        max(changed_at) as last_status_change_at

    from history
    group by order_id

)

select * from pivoted
