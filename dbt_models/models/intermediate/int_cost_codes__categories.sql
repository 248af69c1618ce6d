-- Cost code x cost category, the grain QuickBooks items are mapped at: every combination
-- used by a budget or document line, with the item it maps to (the category's own item,
-- else the code-level item) and the category's account.
with used as (
    select tenant_id, cost_code_id, category from {{ ref('stg_coconstruct__budget_lines') }}
    union
    select tenant_id, cost_code_id, category from {{ ref('int_document_lines__recomputed') }}
    where category is not null and cost_code_id is not null
),

mappings as (
    select * from {{ ref('int_qb__mappings_normalized') }}
),

category_items as (
    select tenant_id, local_numeric_id as cost_code_id, category, min(qb_id) as qb_item_id
    from mappings
    where kind = 'item' and local_type = 'cost_code' and category is not null
    group by tenant_id, local_numeric_id, category
),

code_items as (
    select tenant_id, local_numeric_id as cost_code_id, min(qb_id) as qb_item_id
    from mappings
    where kind = 'item' and local_type = 'cost_code' and category is null
    group by tenant_id, local_numeric_id
),

accounts as (
    select tenant_id, local_id as category, min(qb_id) as qb_account_id,
        min(qb_account_type) as qb_account_type
    from mappings
    where kind = 'account'
    group by tenant_id, local_id
)

select
    used.tenant_id,
    used.cost_code_id,
    used.category,
    codes.code,
    codes.division_code,
    codes.is_active,
    coalesce(category_items.qb_item_id, code_items.qb_item_id) as qb_item_id,
    case
        when category_items.qb_item_id is not null then 'category'
        when code_items.qb_item_id is not null then 'code'
        else 'unmapped'
    end as qb_item_mapped_at,
    accounts.qb_account_id,
    accounts.qb_account_type
from used
left join {{ ref('int_cost_codes__hierarchy') }} as codes
    on used.tenant_id = codes.tenant_id and used.cost_code_id = codes.cost_code_id
left join category_items
    on used.tenant_id = category_items.tenant_id
    and used.cost_code_id = category_items.cost_code_id
    and used.category = category_items.category
left join code_items
    on used.tenant_id = code_items.tenant_id and used.cost_code_id = code_items.cost_code_id
left join accounts
    on used.tenant_id = accounts.tenant_id and used.category = accounts.category
