-- Commitments: one row per purchase order with its line total, what has been billed
-- against it, and the committed amount (issued, accepted, partially billed, closed; not
-- drafts or voids).
with orders as (
    select * from {{ ref('stg_coconstruct__purchase_orders') }}
),

line_totals as (
    select tenant_id, purchase_order_id,
        count(*) as line_count,
        {{ sum_money('amount') }} as lines_total
    from {{ ref('stg_coconstruct__purchase_order_lines') }}
    group by tenant_id, purchase_order_id
),

billed as (
    select tenant_id, purchase_order_id,
        {{ sum_money('total') }} as billed_amount,
        {{ sum_money('retainage_amount') }} as retainage_held
    from {{ ref('stg_coconstruct__bills') }}
    where purchase_order_id is not null
        and status not in {{ actual_bill_excluded_statuses() }}
    group by tenant_id, purchase_order_id
)

select
    orders.tenant_id,
    orders.purchase_order_id,
    orders.project_id,
    orders.purchase_order_number,
    orders.trade_partner_id,
    orders.title,
    orders.status,
    orders.status in {{ committed_po_statuses() }} as is_committed,
    orders.retainage_percent,
    orders.issued_at,
    orders.total,
    coalesce(line_totals.line_count, 0) as line_count,
    coalesce(line_totals.lines_total, {{ to_money(0) }}) as lines_total,
    case when orders.status in {{ committed_po_statuses() }} then orders.total
        else {{ to_money(0) }} end as committed_amount,
    coalesce(billed.billed_amount, {{ to_money(0) }}) as billed_amount,
    coalesce(billed.retainage_held, {{ to_money(0) }}) as retainage_held,
    case when orders.status in {{ committed_po_statuses() }}
        then {{ to_money('orders.total - coalesce(billed.billed_amount, 0)') }}
        else {{ to_money(0) }} end as remaining_commitment,
    orders.qb_sync_status,
    orders.qb_txn_id,
    orders.qb_sync_error,
    orders.created_at,
    orders.updated_at
from orders
left join line_totals
    on orders.tenant_id = line_totals.tenant_id and orders.purchase_order_id = line_totals.purchase_order_id
left join billed
    on orders.tenant_id = billed.tenant_id and orders.purchase_order_id = billed.purchase_order_id
