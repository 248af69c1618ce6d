-- project_clients: renamed, typed, deduplicated on (tenant_id, project_id, client_id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'project_clients'), ['tenant_id', 'project_id', 'client_id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(project_id as {{ dbt.type_bigint() }}) as project_id,
    cast(client_id as {{ dbt.type_bigint() }}) as client_id,
    cast(is_primary as {{ dbt.type_boolean() }}) as is_primary
from live
