-- revised budget = original budget + approved change-order line cost, per project x cost
-- code, recomputed here from staging (not from the job-cost components).
with budget as (
    select tenant_id, project_id, cost_code_id, sum(estimated_cost) as original_budget
    from {{ ref('stg_coconstruct__budget_lines') }}
    group by 1, 2, 3
),

approved as (
    select lines.tenant_id, orders.project_id, lines.cost_code_id, sum(lines.cost) as approved_cost
    from {{ ref('stg_coconstruct__change_order_lines') }} as lines
    inner join {{ ref('stg_coconstruct__change_orders') }} as orders
        on lines.tenant_id = orders.tenant_id and lines.change_order_id = orders.change_order_id
    where orders.status = 'approved'
    group by 1, 2, 3
)

select job_cost.*
from {{ ref('fct_job_cost') }} as job_cost
left join budget
    on job_cost.tenant_id = budget.tenant_id and job_cost.project_id = budget.project_id
    and job_cost.cost_code_id = budget.cost_code_id
left join approved
    on job_cost.tenant_id = approved.tenant_id and job_cost.project_id = approved.project_id
    and job_cost.cost_code_id = approved.cost_code_id
where job_cost.original_budget <> coalesce(budget.original_budget, 0)
    or job_cost.approved_change_orders <> coalesce(approved.approved_cost, 0)
    or job_cost.revised_budget <> job_cost.original_budget + job_cost.approved_change_orders
