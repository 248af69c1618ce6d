-- The money that feeds job cost, one row per source row, per project x cost code
-- (rules in docs/architecture.md): budget (estimated cost), approved change-order line
-- cost, committed PO lines, actual bills (not draft / void) and approved labour.
with budget as (
    select tenant_id, project_id, cost_code_id,
        estimated_cost as original_budget,
        {{ to_money(0) }} as approved_change_orders,
        {{ to_money(0) }} as committed_cost,
        {{ to_money(0) }} as actual_bills,
        {{ to_money(0) }} as actual_labor,
        0 as committed_lines
    from {{ ref('stg_coconstruct__budget_lines') }}
),

change_orders as (
    select lines.tenant_id, orders.project_id, lines.cost_code_id,
        {{ to_money(0) }}, lines.cost, {{ to_money(0) }}, {{ to_money(0) }}, {{ to_money(0) }}, 0
    from {{ ref('stg_coconstruct__change_order_lines') }} as lines
    inner join {{ ref('stg_coconstruct__change_orders') }} as orders
        on lines.tenant_id = orders.tenant_id and lines.change_order_id = orders.change_order_id
    where orders.status = 'approved'
),

commitments as (
    select lines.tenant_id, orders.project_id, lines.cost_code_id,
        {{ to_money(0) }}, {{ to_money(0) }}, lines.amount, {{ to_money(0) }}, {{ to_money(0) }}, 1
    from {{ ref('stg_coconstruct__purchase_order_lines') }} as lines
    inner join {{ ref('stg_coconstruct__purchase_orders') }} as orders
        on lines.tenant_id = orders.tenant_id and lines.purchase_order_id = orders.purchase_order_id
    where orders.status in {{ committed_po_statuses() }}
),

bills as (
    select lines.tenant_id, bills.project_id, lines.cost_code_id,
        {{ to_money(0) }}, {{ to_money(0) }}, {{ to_money(0) }}, lines.amount, {{ to_money(0) }}, 0
    from {{ ref('stg_coconstruct__bill_lines') }} as lines
    inner join {{ ref('stg_coconstruct__bills') }} as bills
        on lines.tenant_id = bills.tenant_id and lines.bill_id = bills.bill_id
    where bills.status not in {{ actual_bill_excluded_statuses() }}
),

labor as (
    select tenant_id, project_id, cost_code_id,
        {{ to_money(0) }}, {{ to_money(0) }}, {{ to_money(0) }}, {{ to_money(0) }}, cost, 0
    from {{ ref('stg_coconstruct__timesheets') }}
    where approved
)

select * from budget
union all
select * from change_orders
union all
select * from commitments
union all
select * from bills
union all
select * from labor
