-- Money in ISO 4217 minor units: amounts stored before this migration were hundredths of the unit for
-- every currency. Rows of currencies whose ISO exponent is not 2 are converted in place, the columns
-- keep their *_cents names: exponent 0 (yen, won, ...) to whole units, rounded half up; exponent 3
-- (dinars) to thousandths. Currencies with exponent 2, the rest, are untouched. The lists are
-- Babel's CLDR exponents (pizza.money.minor_unit_exponent) at the time of writing.
-- Columns added by later-numbered or concurrently developed migrations are converted only where they
-- exist now; rows written afterwards are in minor units already. Orders keep
-- total = subtotal - discount + delivery fee: the total is recomputed from the converted parts.
-- depends: 0130_refund_requests 0140_payment_actions 0160_loyalty_redemption

DO $$
DECLARE
    exponent_0 text[] := ARRAY['ADP', 'AFN', 'ALL', 'BIF', 'BYR', 'CLP', 'DJF', 'ESP', 'GNF', 'IQD', 'IRR',
        'ISK', 'ITL', 'JPY', 'KMF', 'KPW', 'KRW', 'LAK', 'LBP', 'LUF', 'MGA', 'MGF', 'MMK', 'MRO', 'PYG', 'RSD',
        'RWF', 'SLL', 'SOS', 'STD', 'SYP', 'TMM', 'TRL', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF', 'YER',
        'ZMK', 'ZWD'];
    exponent_3 text[] := ARRAY['BHD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'];
    target record;
    present text[];
BEGIN
    FOR target IN SELECT * FROM (VALUES
        ('orders', 'currency', ARRAY['subtotal_cents', 'discount_cents', 'delivery_fee_cents', 'loyalty_discount_cents']),
        ('payments', 'currency', ARRAY['amount_cents', 'refunded_cents']),
        ('payment_refunds', 'currency', ARRAY['amount_cents']),
        ('refund_requests', 'currency', ARRAY['amount_cents']),
        ('support_tickets', 'resolution_currency', ARRAY['resolution_amount_cents'])
    ) AS t (tbl, currency_column, amount_columns)
    LOOP
        SELECT array_agg(c) INTO present FROM unnest(target.amount_columns) AS c
         WHERE EXISTS (SELECT 1 FROM information_schema.columns
                        WHERE table_schema = current_schema() AND table_name = target.tbl AND column_name = c);
        CONTINUE WHEN present IS NULL;
        EXECUTE format('UPDATE %I SET %s WHERE %I::text = ANY ($1)', target.tbl,
            (SELECT string_agg(format('%1$I = greatest(sign(%1$I), (%1$I + 50) / 100)', c), ', ') FROM unnest(present) AS c),
            target.currency_column) USING exponent_0;
        EXECUTE format('UPDATE %I SET %s WHERE %I::text = ANY ($1)', target.tbl,
            (SELECT string_agg(format('%1$I = %1$I * 10', c), ', ') FROM unnest(present) AS c),
            target.currency_column) USING exponent_3;
    END LOOP;

    UPDATE orders SET total_cents = subtotal_cents - discount_cents + delivery_fee_cents
     WHERE currency::text = ANY (exponent_0);
    UPDATE orders SET total_cents = total_cents * 10 WHERE currency::text = ANY (exponent_3);

    UPDATE order_items AS i
       SET unit_price_cents = (i.unit_price_cents + 50) / 100, line_total_cents = (i.unit_price_cents + 50) / 100 * i.quantity
      FROM orders AS o
     WHERE o.order_id = i.order_id AND o.created_at = i.order_created_at AND o.currency::text = ANY (exponent_0);
    UPDATE order_items AS i
       SET unit_price_cents = i.unit_price_cents * 10, line_total_cents = i.line_total_cents * 10
      FROM orders AS o
     WHERE o.order_id = i.order_id AND o.created_at = i.order_created_at AND o.currency::text = ANY (exponent_3);
END
$$;
