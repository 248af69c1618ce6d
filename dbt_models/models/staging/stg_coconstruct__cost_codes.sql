-- cost_codes: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'cost_codes'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as cost_code_id,
    cast(code as {{ dbt.type_string() }}) as code,
    cast(name as {{ dbt.type_string() }}) as cost_code_name,
    cast(division_code as {{ dbt.type_string() }}) as division_code,
    cast(division_name as {{ dbt.type_string() }}) as division_name,
    cast(is_active as {{ dbt.type_boolean() }}) as is_active,
    retired_at as retired_at,
    created_at as created_at,
    updated_at as updated_at
from live
