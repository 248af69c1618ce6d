-- purchase_orders: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'purchase_orders'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as purchase_order_id,
    cast(project_id as {{ dbt.type_bigint() }}) as project_id,
    cast(number as {{ dbt.type_string() }}) as purchase_order_number,
    cast(trade_partner_id as {{ dbt.type_bigint() }}) as trade_partner_id,
    cast(title as {{ dbt.type_string() }}) as title,
    cast(status as {{ dbt.type_string() }}) as status,
    {{ to_quantity('retainage_percent') }} as retainage_percent,
    issued_at as issued_at,
    {{ to_money('total') }} as total,
    {{ qb_sync_columns() }},
    created_at as created_at,
    updated_at as updated_at
from live
