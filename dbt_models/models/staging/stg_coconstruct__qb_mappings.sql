-- qb_mappings: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'qb_mappings'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as qb_mapping_id,
    cast(kind as {{ dbt.type_string() }}) as kind,
    cast(local_type as {{ dbt.type_string() }}) as local_type,
    cast(local_id as {{ dbt.type_string() }}) as local_id,
    cast(category as {{ dbt.type_string() }}) as category,
    cast(qb_id as {{ dbt.type_string() }}) as qb_id,
    cast(qb_name as {{ dbt.type_string() }}) as qb_name,
    cast(qb_account_type as {{ dbt.type_string() }}) as qb_account_type,
    created_at as created_at,
    updated_at as updated_at
from live
