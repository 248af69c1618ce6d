-- One row per project (job) with its primary client, project manager and QuickBooks
-- customer:job link, and the contract amount revised by approved change orders.
with projects as (
    select * from {{ ref('stg_coconstruct__projects') }}
),

primary_clients as (
    select tenant_id, project_id, min(client_id) as primary_client_id, count(*) as client_count
    from {{ ref('stg_coconstruct__project_clients') }}
    group by tenant_id, project_id
),

flagged_primary as (
    select tenant_id, project_id, min(client_id) as primary_client_id
    from {{ ref('stg_coconstruct__project_clients') }}
    where is_primary
    group by tenant_id, project_id
),

approved_cos as (
    select tenant_id, project_id, {{ sum_money('total_price') }} as approved_change_order_price
    from {{ ref('stg_coconstruct__change_orders') }}
    where status = 'approved'
    group by tenant_id, project_id
),

qb_jobs as (
    select tenant_id, local_numeric_id as project_id,
        min(qb_id) as qb_customer_job_id,
        min(qb_name) as qb_customer_job_name,
        min(customer_name_normalized) as qb_customer_name_normalized,
        min(job_name_normalized) as qb_job_name_normalized
    from {{ ref('int_qb__mappings_normalized') }}
    where kind = 'customer_job'
    group by tenant_id, local_numeric_id
),

managers as (
    select tenant_id, user_id, user_name from {{ ref('stg_coconstruct__users') }}
)

select
    projects.tenant_id,
    projects.project_id,
    projects.job_number,
    projects.project_name,
    projects.status,
    projects.contract_type,
    projects.street,
    projects.city,
    projects.state,
    projects.postal_code,
    projects.original_contract_amount,
    coalesce(approved_cos.approved_change_order_price, {{ to_money(0) }}) as approved_change_order_price,
    {{ to_money('projects.original_contract_amount + coalesce(approved_cos.approved_change_order_price, 0)') }}
        as revised_contract_amount,
    projects.fee_cap_amount,
    projects.tax_rate_percent,
    projects.start_date,
    projects.target_completion_date,
    projects.actual_completion_date,
    projects.project_manager_id,
    managers.user_name as project_manager_name,
    coalesce(flagged_primary.primary_client_id, primary_clients.primary_client_id) as primary_client_id,
    coalesce(primary_clients.client_count, 0) as client_count,
    qb_jobs.qb_customer_job_id,
    qb_jobs.qb_customer_job_name,
    qb_jobs.qb_customer_name_normalized,
    qb_jobs.qb_job_name_normalized,
    qb_jobs.qb_customer_job_id is not null as is_mapped_to_qb,
    projects.created_at,
    projects.updated_at
from projects
left join primary_clients
    on projects.tenant_id = primary_clients.tenant_id and projects.project_id = primary_clients.project_id
left join flagged_primary
    on projects.tenant_id = flagged_primary.tenant_id and projects.project_id = flagged_primary.project_id
left join approved_cos
    on projects.tenant_id = approved_cos.tenant_id and projects.project_id = approved_cos.project_id
left join qb_jobs
    on projects.tenant_id = qb_jobs.tenant_id and projects.project_id = qb_jobs.project_id
left join managers
    on projects.tenant_id = managers.tenant_id and projects.project_manager_id = managers.user_id
