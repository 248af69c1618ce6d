{#- The reporting date for ageing: var as_of_date, else today. -#}
{% macro as_of_date() %}
    {%- if var('as_of_date', '') -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        cast({{ dbt.current_timestamp() }} as date)
    {%- endif -%}
{% endmacro %}
