-- Each invoice: subtotal and tax are the sums of its lines, total = subtotal + tax,
-- amount paid = its payments, balance = total - retainage - paid.
select invoice_id, subtotal, lines_subtotal, total_tax, lines_tax, total, amount_paid,
    payments_total, balance_due
from {{ ref('fct_invoices') }}
where subtotal <> lines_subtotal
    or total_tax <> lines_tax
    or total <> subtotal + total_tax
    or amount_paid <> payments_total
    or balance_due <> total - retainage_amount - amount_paid
