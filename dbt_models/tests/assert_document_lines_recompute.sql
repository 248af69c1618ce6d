-- Every document line's cost, price and tax equal the DOMAIN rule recomputed from its
-- quantity, unit amount, markup and tax rate (half-up to cents per line).
select document_type, line_id, computed_cost, reported_cost, computed_price, reported_price,
    computed_tax, reported_tax
from {{ ref('int_document_lines__recomputed') }}
where computed_cost <> reported_cost
    or computed_price <> reported_price
    or computed_tax <> reported_tax
