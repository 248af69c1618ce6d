-- ERP transactions translated to CoConstruct projects and cost codes through the QuickBooks
-- mappings: by QuickBooks id first (stable across renames), else by normalized name.
with erp as (
    select * from {{ ref('stg_erp__transactions') }}
),

mappings as (
    select * from {{ ref('int_qb__mappings_normalized') }}
),

jobs_by_id as (
    select tenant_id, qb_id, min(local_numeric_id) as project_id
    from mappings where kind = 'customer_job' group by tenant_id, qb_id
),

jobs_by_name as (
    select tenant_id, qb_name_normalized, min(local_numeric_id) as project_id
    from mappings where kind = 'customer_job' group by tenant_id, qb_name_normalized
),

items_by_id as (
    select tenant_id, qb_id, min(local_numeric_id) as cost_code_id
    from mappings where kind = 'item' and local_type = 'cost_code' group by tenant_id, qb_id
),

items_by_name as (
    select tenant_id, qb_name_normalized, min(local_numeric_id) as cost_code_id
    from mappings where kind = 'item' and local_type = 'cost_code' group by tenant_id, qb_name_normalized
)

select
    erp.*,
    coalesce(jobs_by_id.project_id, jobs_by_name.project_id) as project_id,
    case when erp.doc_type = 'bill'
        then coalesce(items_by_id.cost_code_id, items_by_name.cost_code_id) end as cost_code_id
from erp
left join jobs_by_id
    on erp.tenant_id = jobs_by_id.tenant_id and erp.customer_job_qb_id = jobs_by_id.qb_id
left join jobs_by_name
    on erp.tenant_id = jobs_by_name.tenant_id
    and erp.customer_job_name_normalized = jobs_by_name.qb_name_normalized
left join items_by_id
    on erp.tenant_id = items_by_id.tenant_id and erp.item_qb_id = items_by_id.qb_id
left join items_by_name
    on erp.tenant_id = items_by_name.tenant_id
    and erp.item_name_normalized = items_by_name.qb_name_normalized
