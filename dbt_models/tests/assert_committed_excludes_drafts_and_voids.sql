-- Committed cost excludes draft and void purchase orders, and job cost's committed cost per
-- project equals the committed purchase orders' totals.
with leaks as (
    select tenant_id, project_id, purchase_order_id
    from {{ ref('fct_purchase_orders') }}
    where status in ('draft', 'void') and (committed_amount <> 0 or is_committed)
),

per_project_orders as (
    select tenant_id, project_id, sum(committed_amount) as committed
    from {{ ref('fct_purchase_orders') }}
    group by 1, 2
),

per_project_job_cost as (
    select tenant_id, project_id, sum(committed_cost) as committed
    from {{ ref('fct_job_cost') }}
    group by 1, 2
),

mismatches as (
    select coalesce(o.tenant_id, j.tenant_id) as tenant_id,
        coalesce(o.project_id, j.project_id) as project_id,
        cast(null as {{ dbt.type_bigint() }}) as purchase_order_id
    from per_project_orders as o
    full outer join per_project_job_cost as j
        on o.tenant_id = j.tenant_id and o.project_id = j.project_id
    where coalesce(o.committed, 0) <> coalesce(j.committed, 0)
)

select * from leaks
union all
select * from mismatches
