{#- Generic tests written here because dbt hub packages are not available offline. -#}

{#- No two rows share the combination of columns. -#}
{% test unique_combination(model, combination_of_columns) %}
    select {{ combination_of_columns | join(', ') }}, count(*) as n_rows
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{#- The column is never negative. -#}
{% test not_negative(model, column_name) %}
    select * from {{ model }} where {{ column_name }} < 0
{% endtest %}

{#- Two money expressions agree to the cent on every row. -#}
{% test equal_amounts(model, left, right) %}
    select * from {{ model }}
    where coalesce({{ left }}, 0) <> coalesce({{ right }}, 0)
{% endtest %}
