{#- One row per customer with order history and RFM scores.
    RFM is scored against the day after the latest order in the data (not today), so a rebuild of old
    data gives the same segments. Scores are quintiles (5 = best) among customers with orders; ties are
    broken by customer id so a rebuild is deterministic. -#}

with

users as (

    select * from {{ ref('stg_lake__users') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

first_orders as (

    select
        customer_id,
        city as first_order_city,
        restaurant_id as first_order_restaurant_id

    from (
        select
            customer_id,
            city,
            restaurant_id,
            row_number() over (partition by customer_id order by placed_at, order_id) as order_rank
        from orders
    ) as ranked
    where order_rank = 1

),

history as (

    select
        customer_id,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        count(*) as orders_placed,
        sum(case when is_delivered then 1 else 0 end) as orders_delivered,
        sum(case when is_cancelled then 1 else 0 end) as orders_cancelled,
        sum(revenue_usd) as lifetime_revenue_usd

    from orders
    group by customer_id

),

as_of as (

    select {{ dbt.dateadd('day', 1, 'max(order_date)') }} as as_of_date from orders

),

scored as (

    select
        history.*,
        {{ dbt.datediff('history.last_order_date', 'as_of.as_of_date', 'day') }} as recency_days,
        ntile(5) over (order by history.last_order_date, history.customer_id) as r_score,
        ntile(5) over (order by history.orders_placed, history.customer_id) as f_score,
        ntile(5) over (order by history.lifetime_revenue_usd, history.customer_id) as m_score

    from history
    cross join as_of

),

customers as (

    select
        user_id as customer_id,
        home_city,
        signed_up_at,
        email_hmac,
        loyalty_points

    from users
    where user_role = 'customer' or user_id in (select customer_id from history)

),

final as (

    select
        customers.customer_id,
        customers.home_city,
        customers.signed_up_at,
        customers.email_hmac,
        customers.loyalty_points,

        first_orders.first_order_city,
        first_orders.first_order_restaurant_id,
        scored.first_order_date,
        scored.last_order_date,
        {{ pizza.iso_week_start('scored.first_order_date') }} as cohort_week,
        coalesce(scored.orders_placed, 0) as orders_placed,
        coalesce(scored.orders_delivered, 0) as orders_delivered,
        coalesce(scored.orders_cancelled, 0) as orders_cancelled,
        coalesce(scored.lifetime_revenue_usd, 0) as lifetime_revenue_usd,
        case
            when scored.orders_delivered > 0 then scored.lifetime_revenue_usd / scored.orders_delivered
        end as avg_order_value_usd,

        scored.recency_days,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        {{ pizza.rfm_segment('scored.r_score', 'scored.f_score', 'scored.m_score') }} as rfm_segment

    from customers
    left join scored on customers.customer_id = scored.customer_id
    left join first_orders on customers.customer_id = first_orders.customer_id

)

select * from final
