-- change_orders: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'change_orders'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as change_order_id,
    cast(project_id as {{ dbt.type_bigint() }}) as project_id,
    cast(number as {{ dbt.type_string() }}) as change_order_number,
    cast(title as {{ dbt.type_string() }}) as title,
    cast(status as {{ dbt.type_string() }}) as status,
    cast(client_visible as {{ dbt.type_boolean() }}) as client_visible,
    cast(selection_id as {{ dbt.type_bigint() }}) as selection_id,
    {{ to_quantity('tax_rate_percent') }} as tax_rate_percent,
    approved_at as approved_at,
    {{ to_money('total_cost') }} as total_cost,
    {{ to_money('total_price') }} as total_price,
    {{ to_money('total_tax') }} as total_tax,
    {{ to_money('total') }} as total,
    {{ qb_sync_columns() }},
    created_at as created_at,
    updated_at as updated_at
from live
