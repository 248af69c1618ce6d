-- selections: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'selections'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as selection_id,
    cast(project_id as {{ dbt.type_bigint() }}) as project_id,
    cast(category as {{ dbt.type_string() }}) as category,
    cast(room as {{ dbt.type_string() }}) as room,
    cast(cost_code_id as {{ dbt.type_bigint() }}) as cost_code_id,
    cast(due_date as date) as due_date,
    {{ to_money('allowance_amount') }} as allowance_amount,
    cast(status as {{ dbt.type_string() }}) as status,
    cast(chosen_option_id as {{ dbt.type_bigint() }}) as chosen_option_id,
    client_approved_at as client_approved_at,
    cast(client_approved_by as {{ dbt.type_bigint() }}) as client_approved_by,
    created_at as created_at,
    updated_at as updated_at
from live
