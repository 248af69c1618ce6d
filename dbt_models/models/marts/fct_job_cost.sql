-- Job cost per project x cost code (rules in docs/architecture.md):
-- revised budget = original budget + approved change-order cost; committed = POs issued,
-- accepted, partially billed or closed; actual = bills (not draft / void) + approved labour;
-- projected = max(committed, actual) where a PO line is committed, else
-- max(revised budget, actual); variance = revised budget - projected.
with components as (
    select * from {{ ref('int_job_cost__components') }}
),

summed as (
    select
        tenant_id,
        project_id,
        cost_code_id,
        {{ sum_money('original_budget') }} as original_budget,
        {{ sum_money('approved_change_orders') }} as approved_change_orders,
        {{ sum_money('committed_cost') }} as committed_cost,
        {{ sum_money('actual_bills') }} as actual_bills,
        {{ sum_money('actual_labor') }} as actual_labor,
        sum(committed_lines) as committed_line_count
    from components
    group by tenant_id, project_id, cost_code_id
),

derived as (
    select
        *,
        {{ to_money('original_budget + approved_change_orders') }} as revised_budget,
        {{ to_money('actual_bills + actual_labor') }} as actual_cost
    from summed
),

projected as (
    select
        *,
        case
            when committed_line_count > 0
                then case when committed_cost >= actual_cost then committed_cost else actual_cost end
            else case when revised_budget >= actual_cost then revised_budget else actual_cost end
        end as projected_cost
    from derived
)

select
    projected.tenant_id,
    projected.project_id,
    projected.cost_code_id,
    codes.code as cost_code,
    codes.division_code,
    codes.is_active as cost_code_is_active,
    projected.original_budget,
    projected.approved_change_orders,
    projected.revised_budget,
    projected.committed_cost,
    projected.actual_bills,
    projected.actual_labor,
    projected.actual_cost,
    projected.committed_line_count > 0 as has_commitment,
    projected.projected_cost,
    {{ to_money('projected.revised_budget - projected.projected_cost') }} as variance
from projected
left join {{ ref('int_cost_codes__hierarchy') }} as codes
    on projected.tenant_id = codes.tenant_id and projected.cost_code_id = codes.cost_code_id
