-- One row per change order: totals as reported and as summed from its lines, approval
-- history, and the contract / budget effect (approved only; void and declined move nothing).
with orders as (
    select * from {{ ref('stg_coconstruct__change_orders') }}
),

line_totals as (
    select tenant_id, change_order_id,
        count(*) as line_count,
        {{ sum_money('cost') }} as lines_cost,
        {{ sum_money('price') }} as lines_price,
        {{ sum_money('tax') }} as lines_tax
    from {{ ref('stg_coconstruct__change_order_lines') }}
    group by tenant_id, change_order_id
),

approvals as (
    select tenant_id, change_order_id,
        count(*) as approval_event_count,
        max(case when action = 'approved' then acted_at end) as last_approved_at,
        max(case when action = 'submitted' then acted_at end) as last_submitted_at
    from {{ ref('stg_coconstruct__change_order_approvals') }}
    group by tenant_id, change_order_id
)

select
    orders.tenant_id,
    orders.change_order_id,
    orders.project_id,
    orders.change_order_number,
    orders.title,
    orders.status,
    orders.client_visible,
    orders.selection_id,
    orders.tax_rate_percent,
    orders.approved_at,
    orders.total_cost,
    orders.total_price,
    orders.total_tax,
    orders.total,
    coalesce(line_totals.line_count, 0) as line_count,
    coalesce(line_totals.lines_cost, {{ to_money(0) }}) as lines_cost,
    coalesce(line_totals.lines_price, {{ to_money(0) }}) as lines_price,
    coalesce(line_totals.lines_tax, {{ to_money(0) }}) as lines_tax,
    case when orders.status = 'approved' then orders.total_cost else {{ to_money(0) }} end
        as revised_budget_impact,
    case when orders.status = 'approved' then orders.total_price else {{ to_money(0) }} end
        as contract_impact,
    coalesce(approvals.approval_event_count, 0) as approval_event_count,
    approvals.last_submitted_at,
    approvals.last_approved_at,
    orders.approved_at is not null and orders.updated_at > orders.approved_at
        as is_edited_after_approval,
    orders.qb_sync_status,
    orders.qb_txn_id,
    orders.qb_sync_error,
    orders.created_at,
    orders.updated_at
from orders
left join line_totals
    on orders.tenant_id = line_totals.tenant_id and orders.change_order_id = line_totals.change_order_id
left join approvals
    on orders.tenant_id = approvals.tenant_id and orders.change_order_id = approvals.change_order_id
