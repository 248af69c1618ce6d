-- Trade partners' bills (AP): totals as reported and summed from lines, retainage, whether
-- they count as actual cost (not draft or void), and days past due.
with bills as (
    select * from {{ ref('stg_coconstruct__bills') }}
),

line_totals as (
    select tenant_id, bill_id, count(*) as line_count, {{ sum_money('amount') }} as lines_total
    from {{ ref('stg_coconstruct__bill_lines') }}
    group by tenant_id, bill_id
)

select
    bills.tenant_id,
    bills.bill_id,
    bills.project_id,
    bills.purchase_order_id,
    bills.trade_partner_id,
    bills.bill_number,
    bills.bill_date,
    bills.due_date,
    bills.status,
    bills.status not in {{ actual_bill_excluded_statuses() }} as is_actual_cost,
    bills.total,
    coalesce(line_totals.line_count, 0) as line_count,
    coalesce(line_totals.lines_total, {{ to_money(0) }}) as lines_total,
    bills.retainage_amount,
    {{ to_money('bills.total - bills.retainage_amount') }} as payable_now,
    case when bills.status = 'open' and bills.due_date is not null
        then {{ dbt.datediff('bills.due_date', as_of_date(), 'day') }} end as days_past_due,
    bills.qb_sync_status,
    bills.qb_txn_id,
    bills.qb_sync_error,
    bills.created_at,
    bills.updated_at
from bills
left join line_totals
    on bills.tenant_id = line_totals.tenant_id and bills.bill_id = line_totals.bill_id
