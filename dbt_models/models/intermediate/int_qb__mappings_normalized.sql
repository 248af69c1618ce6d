-- QuickBooks mappings made comparable: names trimmed and case-folded, customer:job colon
-- paths parsed, and a stable key (kind + QuickBooks id) that survives renames in QuickBooks.
with mappings as (
    select * from {{ ref('stg_coconstruct__qb_mappings') }}
),

parsed as (
    select
        tenant_id,
        qb_mapping_id,
        kind,
        local_type,
        local_id,
        category,
        qb_id,
        qb_name,
        qb_account_type,
        updated_at,
        {{ normalized_name('qb_name') }} as qb_name_normalized,
        {{ dbt.length('qb_name') }}
            - {{ dbt.length(dbt.replace('qb_name', "':'", "''")) }} + 1 as path_depth
    from mappings
)

select
    tenant_id,
    qb_mapping_id,
    kind || ':' || qb_id as qb_key,
    kind,
    local_type,
    local_id,
    case when local_type in ('project', 'cost_code')
        then {{ dbt.safe_cast('local_id', dbt.type_bigint()) }} end as local_numeric_id,
    category,
    qb_id,
    qb_name,
    qb_name_normalized,
    case when kind = 'customer_job'
        then trim({{ dbt.split_part('qb_name_normalized', "':'", 1) }}) end as customer_name_normalized,
    case when kind = 'customer_job' and path_depth >= 2
        then trim({{ dbt.split_part('qb_name_normalized', "':'", 2) }}) end as job_name_normalized,
    case when kind = 'customer_job' and path_depth >= 3
        then trim({{ dbt.split_part('qb_name_normalized', "':'", 3) }}) end as sub_job_name_normalized,
    path_depth,
    qb_account_type,
    updated_at
from parsed
