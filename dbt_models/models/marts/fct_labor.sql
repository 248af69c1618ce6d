-- Costed timesheets: labour cost = round(hours x burdened cost rate); billable amount likewise.
-- Only approved entries count as actual cost in fct_job_cost.
with timesheets as (
    select * from {{ ref('stg_coconstruct__timesheets') }}
)

select
    tenant_id,
    timesheet_id,
    project_id,
    user_id,
    cost_code_id,
    work_date,
    started_at,
    hours,
    cost_rate,
    billable_rate,
    cost as labor_cost,
    billable_amount,
    {{ round_money('hours * cost_rate') }} as computed_labor_cost,
    {{ round_money('hours * billable_rate') }} as computed_billable_amount,
    approved,
    approved_at,
    case when approved then cost else {{ to_money(0) }} end as actual_labor_cost,
    created_at,
    updated_at
from timesheets
