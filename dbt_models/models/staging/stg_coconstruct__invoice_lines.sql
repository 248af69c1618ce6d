-- invoice_lines: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'invoice_lines'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as invoice_line_id,
    cast(invoice_id as {{ dbt.type_bigint() }}) as invoice_id,
    cast(line_number as {{ dbt.type_bigint() }}) as line_number,
    cast(kind as {{ dbt.type_string() }}) as kind,
    cast(description as {{ dbt.type_string() }}) as description,
    cast(cost_code_id as {{ dbt.type_bigint() }}) as cost_code_id,
    cast(change_order_id as {{ dbt.type_bigint() }}) as change_order_id,
    {{ to_quantity('quantity') }} as quantity,
    {{ to_money('unit_price') }} as unit_price,
    {{ to_money('amount') }} as amount,
    cast(taxable as {{ dbt.type_boolean() }}) as taxable,
    {{ to_money('tax') }} as tax
from live
