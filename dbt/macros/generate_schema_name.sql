{#- Layers land in schemas named after the layer (`staging`, `intermediate`, `marts`, `reference`), not
    `<target schema>_<layer>`: the dashboards, feeds and exposures name `marts.<model>` on every target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
