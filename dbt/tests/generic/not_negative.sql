{#- Fails on every row whose value is below zero: money, counts and durations never are. -#}
{% test not_negative(model, column_name) %}
select {{ column_name }} from {{ model }} where {{ column_name }} < 0
{% endtest %}
