{#- Money and quantity types: always exact decimals, never floating point. -#}
{% macro money_type() %}decimal(18,2){% endmacro %}
{% macro quantity_type() %}decimal(18,4){% endmacro %}

{% macro to_money(expr) %}cast({{ expr }} as {{ money_type() }}){% endmacro %}
{% macro to_quantity(expr) %}cast({{ expr }} as {{ quantity_type() }}){% endmacro %}

{#- Half-up (away from zero) rounding to cents, kept decimal. -#}
{% macro round_money(expr) %}cast(round({{ expr }}, 2) as {{ money_type() }}){% endmacro %}

{#- A percent as a factor without a division (decimal division can turn into a double). -#}
{% macro percent_factor(expr) %}({{ expr }} * 0.01){% endmacro %}

{#- Sum that is 0.00 (not null) over no rows. -#}
{% macro sum_money(expr) %}cast(coalesce(sum({{ expr }}), 0) as {{ money_type() }}){% endmacro %}
