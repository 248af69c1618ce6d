-- Each purchase order's total is the sum of its line amounts.
select purchase_order_id, total, lines_total
from {{ ref('fct_purchase_orders') }}
where total <> lines_total
