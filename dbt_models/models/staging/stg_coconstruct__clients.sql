-- clients: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'clients'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as client_id,
    cast(first_name as {{ dbt.type_string() }}) as first_name,
    cast(last_name as {{ dbt.type_string() }}) as last_name,
    cast(display_name as {{ dbt.type_string() }}) as display_name,
    cast(email as {{ dbt.type_string() }}) as email,
    cast(phone as {{ dbt.type_string() }}) as phone,
    created_at as created_at,
    updated_at as updated_at
from live
