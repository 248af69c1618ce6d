-- attachments: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'attachments'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as attachment_id,
    cast(project_id as {{ dbt.type_bigint() }}) as project_id,
    cast(parent_type as {{ dbt.type_string() }}) as parent_type,
    cast(parent_id as {{ dbt.type_bigint() }}) as parent_id,
    cast(file_name as {{ dbt.type_string() }}) as file_name,
    cast(content_type as {{ dbt.type_string() }}) as content_type,
    cast(size_bytes as {{ dbt.type_bigint() }}) as size_bytes,
    cast(checksum_sha256 as {{ dbt.type_string() }}) as checksum_sha256,
    url_expires_at as url_expires_at,
    cast(client_visible as {{ dbt.type_boolean() }}) as client_visible,
    cast(uploaded_by as {{ dbt.type_bigint() }}) as uploaded_by,
    uploaded_at as uploaded_at,
    created_at as created_at,
    updated_at as updated_at
from live
