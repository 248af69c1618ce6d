-- timesheets: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'timesheets'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as timesheet_id,
    cast(project_id as {{ dbt.type_bigint() }}) as project_id,
    cast(user_id as {{ dbt.type_bigint() }}) as user_id,
    cast(cost_code_id as {{ dbt.type_bigint() }}) as cost_code_id,
    cast(work_date as date) as work_date,
    started_at as started_at,
    {{ to_quantity('hours') }} as hours,
    {{ to_money('cost_rate') }} as cost_rate,
    {{ to_money('billable_rate') }} as billable_rate,
    {{ to_money('cost') }} as cost,
    {{ to_money('billable_amount') }} as billable_amount,
    cast(approved as {{ dbt.type_boolean() }}) as approved,
    approved_at as approved_at,
    cast(notes as {{ dbt.type_string() }}) as notes,
    created_at as created_at,
    updated_at as updated_at
from live
