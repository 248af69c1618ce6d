{#- A name made comparable: trimmed, inner runs of white space collapsed, case-folded. -#}
{% macro normalized_name(expr) %}
    {{- adapter.dispatch('normalized_name', 'coconstruct')(expr) -}}
{% endmacro %}

{% macro default__normalized_name(expr) -%}
    lower(trim(regexp_replace({{ expr }}, '\\s+', ' ')))
{%- endmacro %}

{% macro duckdb__normalized_name(expr) -%}
    lower(trim(regexp_replace({{ expr }}, '\s+', ' ', 'g')))
{%- endmacro %}
