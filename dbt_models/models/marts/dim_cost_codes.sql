-- One row per cost code (retired codes kept) with its division and QuickBooks mappings.
select
    tenant_id,
    cost_code_id,
    code,
    cost_code_name,
    cost_code_label,
    division_code,
    division_name,
    division_label,
    is_active,
    is_retired,
    retired_at,
    qb_item_id,
    qb_item_mapping_count,
    is_mapped_to_qb_item,
    qb_class_id,
    created_at,
    updated_at
from {{ ref('int_cost_codes__hierarchy') }}
