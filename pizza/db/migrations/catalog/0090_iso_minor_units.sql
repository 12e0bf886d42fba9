-- Money in ISO 4217 minor units (see shard/0190_iso_minor_units.sql, which converts the shards' rows the
-- same way): the catalog's copies of amounts in currencies whose ISO exponent is not 2 are converted in
-- place. Exponent 0 to whole units (rounded half up), exponent 3 to thousandths. Coupons with a
-- currency keep their own amounts in it (a fixed value and the minimum basket); a coupon without one is
-- set in US-dollar cents and converted when applied, so it is untouched. Menus live in MongoDB: the demo
-- replaces them on every run, and menu_items_search is rebuilt from the menu when it is replaced.
-- depends: 0020_restaurant_orders 0070_coupon_limits

DO $$
DECLARE
    exponent_0 text[] := ARRAY['ADP', 'AFN', 'ALL', 'BIF', 'BYR', 'CLP', 'DJF', 'ESP', 'GNF', 'IQD', 'IRR',
        'ISK', 'ITL', 'JPY', 'KMF', 'KPW', 'KRW', 'LAK', 'LBP', 'LUF', 'MGA', 'MGF', 'MMK', 'MRO', 'PYG', 'RSD',
        'RWF', 'SLL', 'SOS', 'STD', 'SYP', 'TMM', 'TRL', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF', 'YER',
        'ZMK', 'ZWD'];
    exponent_3 text[] := ARRAY['BHD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'];
BEGIN
    UPDATE restaurant_orders SET total_cents = (total_cents + 50) / 100 WHERE currency::text = ANY (exponent_0);
    UPDATE restaurant_orders SET total_cents = total_cents * 10 WHERE currency::text = ANY (exponent_3);

    UPDATE coupons
       SET value = CASE WHEN kind = 'fixed' THEN greatest(1, (value + 50) / 100) ELSE value END,
           min_subtotal_cents = (min_subtotal_cents + 50) / 100
     WHERE currency::text = ANY (exponent_0);
    UPDATE coupons
       SET value = CASE WHEN kind = 'fixed' THEN value * 10 ELSE value END,
           min_subtotal_cents = min_subtotal_cents * 10
     WHERE currency::text = ANY (exponent_3);

    UPDATE menu_items_search AS m SET min_price_cents = (m.min_price_cents + 50) / 100
      FROM restaurants AS r WHERE r.restaurant_id = m.restaurant_id AND r.currency::text = ANY (exponent_0);
    UPDATE menu_items_search AS m SET min_price_cents = m.min_price_cents * 10
      FROM restaurants AS r WHERE r.restaurant_id = m.restaurant_id AND r.currency::text = ANY (exponent_3);
END
$$;
