-- A selection's chosen option is one of its own options, flagged is_chosen, and it is the
-- only option flagged so.
with options as (
    select * from {{ ref('stg_coconstruct__selection_options') }}
),

flagged as (
    select tenant_id, selection_id, count(*) as n_chosen, min(selection_option_id) as flagged_id
    from options
    where is_chosen
    group by tenant_id, selection_id
)

select selections.tenant_id, selections.selection_id, selections.chosen_option_id,
    chosen.selection_id as option_selection_id, flagged.n_chosen, flagged.flagged_id
from {{ ref('stg_coconstruct__selections') }} as selections
left join options as chosen
    on selections.tenant_id = chosen.tenant_id
    and selections.chosen_option_id = chosen.selection_option_id
left join flagged
    on selections.tenant_id = flagged.tenant_id and selections.selection_id = flagged.selection_id
where (selections.chosen_option_id is not null
        and (chosen.selection_id is null or chosen.selection_id <> selections.selection_id
             or flagged.n_chosen <> 1 or flagged.flagged_id <> selections.chosen_option_id))
    or (selections.chosen_option_id is null and flagged.n_chosen is not null)
