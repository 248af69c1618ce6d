-- The cost-code hierarchy: division -> code, with retired codes kept for history and the
-- QuickBooks item (code level) and class (division) each code maps to.
with codes as (
    select * from {{ ref('stg_coconstruct__cost_codes') }}
),

mappings as (
    select * from {{ ref('int_qb__mappings_normalized') }}
),

items as (
    -- the code-level item, else (per-category items only) the lowest QuickBooks id
    select
        tenant_id,
        local_numeric_id as cost_code_id,
        min(case when category is null then qb_id end) as code_item_qb_id,
        min(qb_id) as any_item_qb_id,
        count(*) as item_mapping_count
    from mappings
    where kind = 'item' and local_type = 'cost_code'
    group by tenant_id, local_numeric_id
),

classes as (
    select tenant_id, local_id as division_code, min(qb_id) as class_qb_id
    from mappings
    where kind = 'class' and local_type = 'division'
    group by tenant_id, local_id
)

select
    codes.tenant_id,
    codes.cost_code_id,
    codes.code,
    codes.cost_code_name,
    trim(codes.cost_code_name) as cost_code_name_clean,
    codes.division_code,
    codes.division_name,
    codes.division_code || ' ' || codes.division_name as division_label,
    codes.code || ' ' || codes.cost_code_name as cost_code_label,
    codes.is_active,
    not codes.is_active as is_retired,
    codes.retired_at,
    coalesce(items.code_item_qb_id, items.any_item_qb_id) as qb_item_id,
    coalesce(items.item_mapping_count, 0) as qb_item_mapping_count,
    items.cost_code_id is not null as is_mapped_to_qb_item,
    classes.class_qb_id as qb_class_id,
    codes.created_at,
    codes.updated_at
from codes
left join items
    on codes.tenant_id = items.tenant_id and codes.cost_code_id = items.cost_code_id
left join classes
    on codes.tenant_id = classes.tenant_id and codes.division_code = classes.division_code
