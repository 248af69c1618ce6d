-- users: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'users'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as user_id,
    cast(name as {{ dbt.type_string() }}) as user_name,
    cast(email as {{ dbt.type_string() }}) as email,
    cast(role as {{ dbt.type_string() }}) as role,
    cast(phone as {{ dbt.type_string() }}) as phone,
    cast(is_active as {{ dbt.type_boolean() }}) as is_active,
    created_at as created_at,
    updated_at as updated_at
from live
