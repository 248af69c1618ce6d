-- invoices: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'invoices'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as invoice_id,
    cast(project_id as {{ dbt.type_bigint() }}) as project_id,
    cast(client_id as {{ dbt.type_bigint() }}) as client_id,
    cast(number as {{ dbt.type_string() }}) as invoice_number,
    cast(invoice_date as date) as invoice_date,
    cast(due_date as date) as due_date,
    cast(status as {{ dbt.type_string() }}) as status,
    cast(client_visible as {{ dbt.type_boolean() }}) as client_visible,
    {{ to_quantity('tax_rate_percent') }} as tax_rate_percent,
    {{ to_quantity('retainage_percent') }} as retainage_percent,
    {{ to_money('subtotal') }} as subtotal,
    {{ to_money('total_tax') }} as total_tax,
    {{ to_money('total') }} as total,
    {{ to_money('retainage_amount') }} as retainage_amount,
    {{ to_money('amount_paid') }} as amount_paid,
    {{ to_money('balance_due') }} as balance_due,
    {{ qb_sync_columns() }},
    created_at as created_at,
    updated_at as updated_at
from live
