-- schedule_tasks: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'schedule_tasks'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as schedule_task_id,
    cast(project_id as {{ dbt.type_bigint() }}) as project_id,
    cast(name as {{ dbt.type_string() }}) as schedule_task_name,
    cast(trade_partner_id as {{ dbt.type_bigint() }}) as trade_partner_id,
    cast(cost_code_id as {{ dbt.type_bigint() }}) as cost_code_id,
    cast(start_date as date) as start_date,
    cast(end_date as date) as end_date,
    cast(status as {{ dbt.type_string() }}) as status,
    cast(percent_complete as {{ dbt.type_bigint() }}) as percent_complete,
    cast(predecessor_id as {{ dbt.type_bigint() }}) as predecessor_id,
    created_at as created_at,
    updated_at as updated_at
from live
