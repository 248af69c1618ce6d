-- Job cost's actual cost ties to the cent to the actual bills plus approved labour.
with documents as (
    select tenant_id, sum(total) as amount from {{ ref('fct_bills') }} where is_actual_cost group by 1
    union all
    select tenant_id, sum(actual_labor_cost) from {{ ref('fct_labor') }} group by 1
),

expected as (
    select tenant_id, sum(amount) as actual_cost from documents group by 1
),

job_cost as (
    select tenant_id, sum(actual_cost) as actual_cost from {{ ref('fct_job_cost') }} group by 1
)

select expected.tenant_id, expected.actual_cost, job_cost.actual_cost as job_cost_actual
from expected
full outer join job_cost on expected.tenant_id = job_cost.tenant_id
where coalesce(expected.actual_cost, 0) <> coalesce(job_cost.actual_cost, 0)
