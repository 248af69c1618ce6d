-- company: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'company'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as company_id,
    cast(name as {{ dbt.type_string() }}) as company_name,
    cast(slug as {{ dbt.type_string() }}) as slug,
    cast(currency as {{ dbt.type_string() }}) as currency,
    cast(timezone as {{ dbt.type_string() }}) as timezone,
    created_at as created_at,
    updated_at as updated_at
from live
