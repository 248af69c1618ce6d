-- Client payments received against invoices (AR).
with payments as (
    select * from {{ ref('stg_coconstruct__payments') }}
),

invoices as (
    select tenant_id, invoice_id, invoice_number, client_id, invoice_date, due_date
    from {{ ref('stg_coconstruct__invoices') }}
)

select
    payments.tenant_id,
    payments.payment_id,
    payments.invoice_id,
    payments.project_id,
    invoices.client_id,
    invoices.invoice_number,
    payments.received_on,
    payments.amount,
    payments.method,
    payments.reference,
    case when invoices.due_date is not null
        then {{ dbt.datediff('invoices.due_date', 'payments.received_on', 'day') }} end
        as days_after_due,
    payments.qb_sync_status,
    payments.qb_txn_id,
    payments.qb_sync_error,
    payments.created_at,
    payments.updated_at
from payments
left join invoices
    on payments.tenant_id = invoices.tenant_id and payments.invoice_id = invoices.invoice_id
