-- Financial documents whose QuickBooks sync failed (status error) with the error message.
{% set documents = [
    ('change_order', 'stg_coconstruct__change_orders', 'change_order_id', 'change_order_number', 'total'),
    ('purchase_order', 'stg_coconstruct__purchase_orders', 'purchase_order_id', 'purchase_order_number', 'total'),
    ('bill', 'stg_coconstruct__bills', 'bill_id', 'bill_number', 'total'),
    ('invoice', 'stg_coconstruct__invoices', 'invoice_id', 'invoice_number', 'total'),
    ('payment', 'stg_coconstruct__payments', 'payment_id', 'reference', 'amount'),
] %}

{% for doc_type, model, id_col, number_col, amount_col in documents %}
select
    tenant_id,
    '{{ doc_type }}' as document_type,
    {{ id_col }} as document_id,
    cast({{ number_col }} as {{ dbt.type_string() }}) as document_number,
    project_id,
    {{ amount_col }} as amount,
    qb_sync_status,
    qb_sync_error,
    updated_at
from {{ ref(model) }}
where qb_sync_status = 'error'
{% if not loop.last %}union all{% endif %}
{% endfor %}
