{#-
  The live, latest version of each row of a raw dlt table: rows flagged deleted are dropped
  (dlt's hard delete already removes them; this guards replace loads and other loaders) and
  duplicates of the primary key keep the newest version (updated_at, then dlt load id).
  Columns that a loader did not create are simply not used.
-#}
{% macro deduplicated(relation, keys) %}
    {%- set cols = [] -%}
    {%- if execute -%}
        {%- for col in adapter.get_columns_in_relation(relation) -%}
            {%- do cols.append(col.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set order_by = [] -%}
    {%- if 'updated_at' in cols %}{% do order_by.append('updated_at desc') %}{% endif -%}
    {%- if '_dlt_load_id' in cols %}{% do order_by.append('_dlt_load_id desc') %}{% endif -%}
    {%- if not order_by %}{% do order_by.append(keys[-1]) %}{% endif -%}
    select *
    from (
        select
            raw_rows.*,
            row_number() over (
                partition by {{ keys | join(', ') }}
                order by {{ order_by | join(', ') }}
            ) as _row_rank
        from {{ relation }} as raw_rows
        {%- if 'deleted' in cols %}
        where raw_rows.deleted is not true
        {%- endif %}
    ) as ranked
    where _row_rank = 1
{% endmacro %}
