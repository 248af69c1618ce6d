-- One row per selection: the allowance against the chosen option's price. Variance =
-- chosen price - allowance (positive: overage billed to the client; negative: credit);
-- a selection without a chosen option has no variance.
with selections as (
    select * from {{ ref('stg_coconstruct__selections') }}
),

options as (
    select * from {{ ref('stg_coconstruct__selection_options') }}
),

option_counts as (
    select tenant_id, selection_id, count(*) as option_count
    from options
    group by tenant_id, selection_id
),

joined as (
    select
        selections.*,
        chosen.selection_option_name as chosen_option_name,
        chosen.vendor_id as chosen_vendor_id,
        chosen.cost as chosen_cost,
        chosen.price as chosen_price,
        coalesce(option_counts.option_count, 0) as option_count,
        case when chosen.selection_option_id is not null
            then {{ to_money('chosen.price - selections.allowance_amount') }} end as allowance_variance
    from selections
    left join options as chosen
        on selections.tenant_id = chosen.tenant_id
        and selections.chosen_option_id = chosen.selection_option_id
    left join option_counts
        on selections.tenant_id = option_counts.tenant_id
        and selections.selection_id = option_counts.selection_id
)

select
    tenant_id,
    selection_id,
    project_id,
    category,
    room,
    cost_code_id,
    due_date,
    status,
    allowance_amount,
    chosen_option_id,
    chosen_option_name,
    chosen_vendor_id,
    chosen_cost,
    chosen_price,
    option_count,
    allowance_variance,
    case when allowance_variance > 0 then allowance_variance else {{ to_money(0) }} end as overage_amount,
    case when allowance_variance < 0 then {{ to_money('-allowance_variance') }} else {{ to_money(0) }} end
        as credit_amount,
    case
        when allowance_variance is null then 'no_choice'
        when allowance_variance > 0 then 'overage'
        when allowance_variance < 0 then 'credit'
        else 'on_allowance'
    end as variance_kind,
    client_approved_at,
    client_approved_by,
    created_at,
    updated_at
from joined
