-- Every cost-coded document line (change order, purchase order, bill, invoice) with its cost,
-- markup, tax and price recomputed from quantities and rates by the DOMAIN rule
-- (half-up to cents per line), next to what the API reported.
with co_lines as (
    select
        lines.tenant_id,
        'change_order' as document_type,
        lines.change_order_id as document_id,
        lines.change_order_line_id as line_id,
        lines.line_number,
        orders.project_id,
        lines.cost_code_id,
        lines.category,
        lines.quantity,
        lines.unit_cost as unit_amount,
        lines.markup_percent,
        lines.taxable,
        orders.tax_rate_percent,
        lines.cost as reported_cost,
        lines.price as reported_price,
        lines.tax as reported_tax
    from {{ ref('stg_coconstruct__change_order_lines') }} as lines
    inner join {{ ref('stg_coconstruct__change_orders') }} as orders
        on lines.tenant_id = orders.tenant_id and lines.change_order_id = orders.change_order_id
),

po_lines as (
    select
        lines.tenant_id,
        'purchase_order' as document_type,
        lines.purchase_order_id as document_id,
        lines.purchase_order_line_id as line_id,
        lines.line_number,
        orders.project_id,
        lines.cost_code_id,
        lines.category,
        lines.quantity,
        lines.unit_cost as unit_amount,
        {{ to_quantity(0) }} as markup_percent,
        false as taxable,
        {{ to_quantity(0) }} as tax_rate_percent,
        lines.amount as reported_cost,
        lines.amount as reported_price,
        {{ to_money(0) }} as reported_tax
    from {{ ref('stg_coconstruct__purchase_order_lines') }} as lines
    inner join {{ ref('stg_coconstruct__purchase_orders') }} as orders
        on lines.tenant_id = orders.tenant_id and lines.purchase_order_id = orders.purchase_order_id
),

bill_lines as (
    select
        lines.tenant_id,
        'bill' as document_type,
        lines.bill_id as document_id,
        lines.bill_line_id as line_id,
        lines.line_number,
        bills.project_id,
        lines.cost_code_id,
        lines.category,
        {{ to_quantity(1) }} as quantity,
        lines.amount as unit_amount,
        {{ to_quantity(0) }} as markup_percent,
        false as taxable,
        {{ to_quantity(0) }} as tax_rate_percent,
        lines.amount as reported_cost,
        lines.amount as reported_price,
        {{ to_money(0) }} as reported_tax
    from {{ ref('stg_coconstruct__bill_lines') }} as lines
    inner join {{ ref('stg_coconstruct__bills') }} as bills
        on lines.tenant_id = bills.tenant_id and lines.bill_id = bills.bill_id
),

invoice_lines as (
    -- invoices are priced directly: the line amount is the price, no cost or markup
    select
        lines.tenant_id,
        'invoice' as document_type,
        lines.invoice_id as document_id,
        lines.invoice_line_id as line_id,
        lines.line_number,
        invoices.project_id,
        lines.cost_code_id,
        cast(null as {{ dbt.type_string() }}) as category,
        lines.quantity,
        lines.unit_price as unit_amount,
        {{ to_quantity(0) }} as markup_percent,
        lines.taxable,
        invoices.tax_rate_percent,
        lines.amount as reported_cost,
        lines.amount as reported_price,
        lines.tax as reported_tax
    from {{ ref('stg_coconstruct__invoice_lines') }} as lines
    inner join {{ ref('stg_coconstruct__invoices') }} as invoices
        on lines.tenant_id = invoices.tenant_id and lines.invoice_id = invoices.invoice_id
),

all_lines as (
    select * from co_lines
    union all
    select * from po_lines
    union all
    select * from bill_lines
    union all
    select * from invoice_lines
),

costed as (
    select
        *,
        {{ round_money('quantity * unit_amount') }} as computed_cost
    from all_lines
),

priced as (
    select
        *,
        {{ round_money('computed_cost * (1 + ' ~ percent_factor('markup_percent') ~ ')') }}
            as computed_price
    from costed
)

select
    tenant_id,
    document_type,
    document_id,
    line_id,
    line_number,
    project_id,
    cost_code_id,
    category,
    quantity,
    unit_amount,
    markup_percent,
    taxable,
    tax_rate_percent,
    computed_cost,
    {{ to_money('computed_price - computed_cost') }} as computed_markup,
    computed_price,
    case when taxable
        then {{ round_money('computed_price * ' ~ percent_factor('tax_rate_percent')) }}
        else {{ to_money(0) }}
    end as computed_tax,
    reported_cost,
    reported_price,
    reported_tax
from priced
