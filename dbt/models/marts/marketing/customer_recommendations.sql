{#- The recommendation feed as marketing sees it: every recommended dish or restaurant with the
    customer's segment and city, so a campaign can preview and size "champions in Paris get dish X".
    Empty until the recommendation job has published a feed. -#}

with

recommendations as (

    select * from {{ ref('stg_lake__customer_recommendations') }}

),

customers as (

    select customer_id, rfm_segment, coalesce(first_order_city, home_city) as city, first_order_restaurant_id
    from {{ ref('dim_customers') }}

),

final as (

    select
        recommendations.recommendation_id,
        recommendations.customer_id,
        customers.rfm_segment,
        customers.city,
        customers.first_order_restaurant_id as restaurant_id,
        recommendations.item_type,
        recommendations.item_id,
        recommendations.item_name,
        recommendations.recommendation_rank,
        recommendations.score,
        recommendations.model_version,
        recommendations.generated_at

    from recommendations
    left join customers on recommendations.customer_id = customers.customer_id

)

select * from final
