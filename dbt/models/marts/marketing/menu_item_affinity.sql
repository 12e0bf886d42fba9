{#- Which dishes are bought together, per restaurant (menu item ids are per-restaurant menus).
    Market-basket measures over non-cancelled orders:
      support    = orders with both / orders of the restaurant
      confidence = orders with both / orders with item A          (A -> B)
      lift       = support / (share with A x share with B); > 1 means bought together more than by chance.
    Each unordered pair appears once with item_a_id < item_b_id. -#}

with

baskets as (

    select distinct
        items.order_id,
        orders.restaurant_id,
        orders.city,
        items.menu_item_id,
        items.item_name

    from {{ ref('stg_lake__order_items') }} as items
    inner join {{ ref('fct_orders') }} as orders on items.order_id = orders.order_id
    where not orders.is_cancelled

),

restaurant_orders as (

    select restaurant_id, count(distinct order_id) as orders_total
    from baskets
    group by restaurant_id

),

item_orders as (

    select restaurant_id, menu_item_id, count(distinct order_id) as orders_with_item
    from baskets
    group by restaurant_id, menu_item_id

),

pairs as (

    select
        a.restaurant_id,
        a.city,
        a.menu_item_id as item_a_id,
        min(a.item_name) as item_a_name,
        b.menu_item_id as item_b_id,
        min(b.item_name) as item_b_name,
        count(distinct a.order_id) as orders_with_both

    from baskets as a
    inner join baskets as b
        on a.order_id = b.order_id
        and a.menu_item_id < b.menu_item_id
    group by a.restaurant_id, a.city, a.menu_item_id, b.menu_item_id

),

final as (

    select
        {{ dbt.concat(["pairs.restaurant_id", "'-'", "pairs.item_a_id", "'-'", "pairs.item_b_id"]) }} as item_pair_id,
        pairs.restaurant_id,
        pairs.city,
        pairs.item_a_id,
        pairs.item_a_name,
        pairs.item_b_id,
        pairs.item_b_name,
        pairs.orders_with_both,
        item_a.orders_with_item as orders_with_a,
        item_b.orders_with_item as orders_with_b,
        restaurant_orders.orders_total,
        cast(pairs.orders_with_both as {{ dbt.type_float() }}) / restaurant_orders.orders_total as support,
        cast(pairs.orders_with_both as {{ dbt.type_float() }}) / item_a.orders_with_item as confidence_a_to_b,
        cast(pairs.orders_with_both as {{ dbt.type_float() }}) / item_b.orders_with_item as confidence_b_to_a,
        (cast(pairs.orders_with_both as {{ dbt.type_float() }}) * restaurant_orders.orders_total)
            / (cast(item_a.orders_with_item as {{ dbt.type_float() }}) * item_b.orders_with_item) as lift

    from pairs
    inner join restaurant_orders on pairs.restaurant_id = restaurant_orders.restaurant_id
    inner join item_orders as item_a
        on pairs.restaurant_id = item_a.restaurant_id and pairs.item_a_id = item_a.menu_item_id
    inner join item_orders as item_b
        on pairs.restaurant_id = item_b.restaurant_id and pairs.item_b_id = item_b.menu_item_id

)

select * from final
