-- Change-order lines with recomputed cost / price / tax and their effect on the revised
-- budget (cost) and contract (price): only approved change orders move anything.
with lines as (
    select * from {{ ref('stg_coconstruct__change_order_lines') }}
),

orders as (
    select * from {{ ref('stg_coconstruct__change_orders') }}
),

recomputed as (
    select * from {{ ref('int_document_lines__recomputed') }}
    where document_type = 'change_order'
)

select
    lines.tenant_id,
    lines.change_order_line_id,
    lines.change_order_id,
    orders.project_id,
    orders.change_order_number,
    orders.status as change_order_status,
    lines.line_number,
    lines.cost_code_id,
    lines.category,
    lines.description,
    lines.quantity,
    lines.unit,
    lines.unit_cost,
    lines.markup_percent,
    lines.taxable,
    lines.cost,
    lines.price,
    lines.tax,
    {{ to_money('lines.price - lines.cost') }} as markup_amount,
    recomputed.computed_cost,
    recomputed.computed_price,
    recomputed.computed_tax,
    case when orders.status = 'approved' then lines.cost else {{ to_money(0) }} end
        as revised_budget_impact,
    case when orders.status = 'approved' then lines.price else {{ to_money(0) }} end
        as contract_impact
from lines
inner join orders
    on lines.tenant_id = orders.tenant_id and lines.change_order_id = orders.change_order_id
left join recomputed
    on lines.tenant_id = recomputed.tenant_id and lines.change_order_line_id = recomputed.line_id
