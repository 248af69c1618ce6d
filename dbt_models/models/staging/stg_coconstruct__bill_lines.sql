-- bill_lines: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'bill_lines'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as bill_line_id,
    cast(bill_id as {{ dbt.type_bigint() }}) as bill_id,
    cast(line_number as {{ dbt.type_bigint() }}) as line_number,
    cast(purchase_order_line_id as {{ dbt.type_bigint() }}) as purchase_order_line_id,
    cast(cost_code_id as {{ dbt.type_bigint() }}) as cost_code_id,
    cast(category as {{ dbt.type_string() }}) as category,
    cast(description as {{ dbt.type_string() }}) as description,
    {{ to_money('amount') }} as amount
from live
