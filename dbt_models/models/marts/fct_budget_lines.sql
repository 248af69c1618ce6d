-- Original budget lines (cost, markup, price) per project and cost code.
with lines as (
    select * from {{ ref('stg_coconstruct__budget_lines') }}
)

select
    tenant_id,
    budget_line_id,
    project_id,
    cost_code_id,
    category,
    description,
    estimated_cost,
    markup_percent,
    estimated_price,
    {{ round_money('estimated_cost * (1 + ' ~ percent_factor('markup_percent') ~ ')') }}
        as computed_estimated_price,
    {{ to_money('estimated_price - estimated_cost') }} as estimated_markup,
    created_at,
    updated_at
from lines
