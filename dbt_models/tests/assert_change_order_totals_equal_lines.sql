-- Each change order's cost, price and tax totals are the sums of its rounded lines, and
-- total = total_price + total_tax.
select change_order_id, total_cost, lines_cost, total_price, lines_price, total_tax, lines_tax, total
from {{ ref('fct_change_orders') }}
where total_cost <> lines_cost
    or total_price <> lines_price
    or total_tax <> lines_tax
    or total <> total_price + total_tax
