-- budget_lines: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'budget_lines'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as budget_line_id,
    cast(project_id as {{ dbt.type_bigint() }}) as project_id,
    cast(cost_code_id as {{ dbt.type_bigint() }}) as cost_code_id,
    cast(category as {{ dbt.type_string() }}) as category,
    cast(description as {{ dbt.type_string() }}) as description,
    {{ to_money('estimated_cost') }} as estimated_cost,
    {{ to_quantity('markup_percent') }} as markup_percent,
    {{ to_money('estimated_price') }} as estimated_price,
    created_at as created_at,
    updated_at as updated_at
from live
