-- payments: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'payments'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as payment_id,
    cast(invoice_id as {{ dbt.type_bigint() }}) as invoice_id,
    cast(project_id as {{ dbt.type_bigint() }}) as project_id,
    cast(received_on as date) as received_on,
    {{ to_money('amount') }} as amount,
    cast(method as {{ dbt.type_string() }}) as method,
    cast(reference as {{ dbt.type_string() }}) as reference,
    {{ qb_sync_columns() }},
    created_at as created_at,
    updated_at as updated_at
from live
