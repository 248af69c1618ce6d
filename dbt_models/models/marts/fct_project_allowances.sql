-- Allowances rolled up per project: totals of allowances, chosen prices, overages and credits.
select
    tenant_id,
    project_id,
    count(*) as selection_count,
    count(chosen_option_id) as chosen_count,
    {{ sum_money('allowance_amount') }} as allowance_total,
    {{ sum_money('case when chosen_option_id is not null then allowance_amount end') }}
        as chosen_allowance_total,
    {{ sum_money('chosen_price') }} as chosen_price_total,
    {{ sum_money('overage_amount') }} as overage_total,
    {{ sum_money('credit_amount') }} as credit_total,
    {{ sum_money('allowance_variance') }} as net_variance
from {{ ref('fct_allowances') }}
group by tenant_id, project_id
