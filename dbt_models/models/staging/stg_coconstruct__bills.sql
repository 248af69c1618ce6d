-- bills: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'bills'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as bill_id,
    cast(project_id as {{ dbt.type_bigint() }}) as project_id,
    cast(purchase_order_id as {{ dbt.type_bigint() }}) as purchase_order_id,
    cast(trade_partner_id as {{ dbt.type_bigint() }}) as trade_partner_id,
    cast(number as {{ dbt.type_string() }}) as bill_number,
    cast(bill_date as date) as bill_date,
    cast(due_date as date) as due_date,
    cast(status as {{ dbt.type_string() }}) as status,
    {{ to_money('total') }} as total,
    {{ to_money('retainage_amount') }} as retainage_amount,
    {{ qb_sync_columns() }},
    created_at as created_at,
    updated_at as updated_at
from live
