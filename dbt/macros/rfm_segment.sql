{#- RFM segment from 1-5 quintile scores (5 = most recent / most frequent / highest spend).
    A small, explainable rule set in the spirit of the classic RFM grid; first match wins. -#}
{% macro rfm_segment(r, f, m) -%}
    case
        when {{ r }} is null then 'no_orders'
        when {{ r }} >= 4 and {{ f }} >= 4 and {{ m }} >= 4 then 'champions'
        when {{ r }} >= 3 and {{ f }} >= 4 then 'loyal'
        when {{ r }} >= 4 and {{ f }} <= 2 then 'new'
        when {{ r }} >= 3 and {{ f }} >= 2 then 'potential_loyalists'
        when {{ r }} <= 2 and {{ f }} >= 3 then 'at_risk'
        when {{ r }} <= 2 and {{ f }} <= 2 then 'hibernating'
        else 'needs_attention'
    end
{%- endmacro %}
