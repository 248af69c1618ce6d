-- Every active cost code is mapped to a QuickBooks item or listed in qb_sync_issues.
select codes.tenant_id, codes.cost_code_id, codes.code
from {{ ref('dim_cost_codes') }} as codes
left join {{ ref('qb_sync_issues') }} as issues
    on codes.tenant_id = issues.tenant_id
    and issues.issue_type = 'unmapped'
    and issues.object_type = 'cost_code'
    and issues.object_id = cast(codes.cost_code_id as {{ dbt.type_string() }})
where codes.is_active
    and not codes.is_mapped_to_qb_item
    and issues.object_id is null
