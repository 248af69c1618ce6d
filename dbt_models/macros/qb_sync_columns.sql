{# The QuickBooks sync status every financial document carries (status, transaction id, error). #}
{% macro qb_sync_columns() -%}
    cast(qb_sync_status as {{ dbt.type_string() }}) as qb_sync_status,
    cast(qb_txn_id as {{ dbt.type_string() }}) as qb_txn_id,
    cast(qb_sync_error as {{ dbt.type_string() }}) as qb_sync_error
{%- endmacro %}
