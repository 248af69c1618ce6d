-- Client invoices (AR): totals as reported and recomputed from lines and payments, balance
-- due and ageing bucket as of var as_of_date (today by default).
with invoices as (
    select * from {{ ref('stg_coconstruct__invoices') }}
),

line_totals as (
    select tenant_id, invoice_id,
        count(*) as line_count,
        {{ sum_money('amount') }} as lines_subtotal,
        {{ sum_money('tax') }} as lines_tax
    from {{ ref('stg_coconstruct__invoice_lines') }}
    group by tenant_id, invoice_id
),

paid as (
    select tenant_id, invoice_id, count(*) as payment_count, {{ sum_money('amount') }} as payments_total
    from {{ ref('stg_coconstruct__payments') }}
    group by tenant_id, invoice_id
),

aged as (
    select
        invoices.*,
        case when invoices.status in ('sent', 'partially_paid') and invoices.due_date is not null
            then {{ dbt.datediff('invoices.due_date', as_of_date(), 'day') }} end as days_past_due
    from invoices
)

select
    aged.tenant_id,
    aged.invoice_id,
    aged.project_id,
    aged.client_id,
    aged.invoice_number,
    aged.invoice_date,
    aged.due_date,
    aged.status,
    aged.client_visible,
    aged.tax_rate_percent,
    aged.retainage_percent,
    aged.subtotal,
    aged.total_tax,
    aged.total,
    aged.retainage_amount,
    aged.amount_paid,
    aged.balance_due,
    coalesce(line_totals.line_count, 0) as line_count,
    coalesce(line_totals.lines_subtotal, {{ to_money(0) }}) as lines_subtotal,
    coalesce(line_totals.lines_tax, {{ to_money(0) }}) as lines_tax,
    coalesce(paid.payment_count, 0) as payment_count,
    coalesce(paid.payments_total, {{ to_money(0) }}) as payments_total,
    aged.status not in {{ open_invoice_excluded_statuses() }} and aged.balance_due <> 0 as is_open,
    aged.days_past_due,
    case
        when aged.status in {{ open_invoice_excluded_statuses() }} or aged.balance_due = 0 then 'closed'
        when aged.days_past_due is null or aged.days_past_due <= 0 then 'current'
        when aged.days_past_due <= 30 then '1-30'
        when aged.days_past_due <= 60 then '31-60'
        when aged.days_past_due <= 90 then '61-90'
        else '90+'
    end as ageing_bucket,
    aged.qb_sync_status,
    aged.qb_txn_id,
    aged.qb_sync_error,
    aged.created_at,
    aged.updated_at
from aged
left join line_totals
    on aged.tenant_id = line_totals.tenant_id and aged.invoice_id = line_totals.invoice_id
left join paid
    on aged.tenant_id = paid.tenant_id and aged.invoice_id = paid.invoice_id
