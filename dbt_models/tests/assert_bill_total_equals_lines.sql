-- Each bill's total is the sum of its line amounts.
select bill_id, total, lines_total
from {{ ref('fct_bills') }}
where total <> lines_total
