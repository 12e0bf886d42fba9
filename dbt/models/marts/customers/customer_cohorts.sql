{#- Weekly acquisition cohorts and their retention: how many customers who first ordered in week W
    ordered again N weeks later. Kept per first-order city and restaurant so the dashboard filters apply;
    rows are additive (a customer has exactly one first order). -#}

with

customers as (

    select customer_id, cohort_week, first_order_city, first_order_restaurant_id
    from {{ ref('dim_customers') }}
    where cohort_week is not null

),

activity as (

    select distinct
        customer_id,
        {{ pizza.iso_week_start('order_date') }} as activity_week

    from {{ ref('fct_orders') }}

),

cohort_sizes as (

    select
        cohort_week,
        first_order_city,
        first_order_restaurant_id,
        count(*) as cohort_customers

    from customers
    group by cohort_week, first_order_city, first_order_restaurant_id

),

retained as (

    select
        customers.cohort_week,
        customers.first_order_city,
        customers.first_order_restaurant_id,
        cast(floor({{ dbt.datediff('customers.cohort_week', 'activity.activity_week', 'day') }} / 7.0) as integer)
            as weeks_since_first_order,
        count(distinct customers.customer_id) as active_customers

    from customers
    inner join activity on customers.customer_id = activity.customer_id
    group by 1, 2, 3, 4

),

final as (

    select
        {{ dbt.concat([
            "cast(retained.cohort_week as " ~ dbt.type_string() ~ ")", "'-'", "retained.first_order_restaurant_id",
            "'-'", "cast(retained.weeks_since_first_order as " ~ dbt.type_string() ~ ")",
        ]) }} as cohort_cell_id,
        retained.cohort_week,
        retained.first_order_city as city,
        retained.first_order_restaurant_id as restaurant_id,
        retained.weeks_since_first_order,
        cohort_sizes.cohort_customers,
        retained.active_customers,
        cast(retained.active_customers as {{ dbt.type_float() }}) / cohort_sizes.cohort_customers as retention_rate

    from retained
    inner join cohort_sizes
        on retained.cohort_week = cohort_sizes.cohort_week
        and retained.first_order_restaurant_id = cohort_sizes.first_order_restaurant_id

)

select * from final
