{#- Business rules on statuses (docs/architecture.md), in one place. -#}
{% macro committed_po_statuses() %}('issued', 'accepted', 'partially_billed', 'closed'){% endmacro %}
{% macro actual_bill_excluded_statuses() %}('draft', 'void'){% endmacro %}
{% macro open_invoice_excluded_statuses() %}('draft', 'void'){% endmacro %}
