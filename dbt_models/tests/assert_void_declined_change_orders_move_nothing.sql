-- Only approved change orders move the budget or the contract: every other status (void,
-- declined, draft, pending approval) has zero impact, and job cost's approved change
-- orders per project equal the approved change orders' cost.
with leaks as (
    select tenant_id, project_id, change_order_id
    from {{ ref('fct_change_orders') }}
    where status <> 'approved' and (revised_budget_impact <> 0 or contract_impact <> 0)
    union all
    select tenant_id, project_id, change_order_id
    from {{ ref('fct_change_order_lines') }}
    where change_order_status <> 'approved' and (revised_budget_impact <> 0 or contract_impact <> 0)
),

per_project_orders as (
    select tenant_id, project_id, sum(revised_budget_impact) as impact
    from {{ ref('fct_change_orders') }}
    group by 1, 2
),

per_project_job_cost as (
    select tenant_id, project_id, sum(approved_change_orders) as impact
    from {{ ref('fct_job_cost') }}
    group by 1, 2
),

mismatches as (
    select coalesce(o.tenant_id, j.tenant_id) as tenant_id,
        coalesce(o.project_id, j.project_id) as project_id,
        cast(null as {{ dbt.type_bigint() }}) as change_order_id
    from per_project_orders as o
    full outer join per_project_job_cost as j
        on o.tenant_id = j.tenant_id and o.project_id = j.project_id
    where coalesce(o.impact, 0) <> coalesce(j.impact, 0)
)

select * from leaks
union all
select * from mismatches
