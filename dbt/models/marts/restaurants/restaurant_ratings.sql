{#- Restaurant leaderboard by rating. A raw average over 3 reviews beats 4.6 over 900 reviews; the
    Bayesian average pulls each restaurant towards its city's mean by `rating_prior_reviews` virtual
    reviews, so small samples rank fairly. Ratings come from the restaurants' rating aggregates; when a
    reviews table reaches the lake the averages can be recomputed here from it. -#}

with

restaurants as (

    select * from {{ ref('dim_restaurants') }}

),

city_means as (

    select
        city,
        sum(rating_avg * rating_count) / nullif(sum(rating_count), 0) as city_rating_avg

    from restaurants
    where rating_avg is not null
    group by city

),

rated as (

    select
        restaurants.restaurant_id,
        restaurants.restaurant_name,
        restaurants.city,
        restaurants.country_code,
        restaurants.cuisine,
        restaurants.lat,
        restaurants.lon,
        restaurants.rating_avg,
        restaurants.rating_count,
        city_means.city_rating_avg,
        case
            when restaurants.rating_avg is not null then
                (restaurants.rating_avg * restaurants.rating_count
                    + city_means.city_rating_avg * {{ var('rating_prior_reviews') }})
                / (restaurants.rating_count + {{ var('rating_prior_reviews') }})
        end as bayesian_rating,
        restaurants.orders_placed,
        restaurants.orders_delivered,
        restaurants.revenue_usd,
        restaurants.on_time_rate,
        restaurants.avg_delivery_minutes

    from restaurants
    left join city_means on restaurants.city = city_means.city

),

final as (

    select
        *,
        rank() over (partition by city order by bayesian_rating desc nulls last) as rank_in_city,
        rank() over (order by bayesian_rating desc nulls last) as rank_overall

    from rated

)

select * from final
