-- CoConstruct vs the ERP (QuickBooks) by job, cost code and document number:
-- matched, amount_differs (by how much), coconstruct_only, erp_only, unmapped
-- (a CoConstruct document whose job or cost code has no QuickBooks mapping).
with coconstruct as (
    select * from {{ ref('int_erp__coconstruct_documents') }}
),

erp as (
    select
        tenant_id,
        doc_type,
        project_id,
        cost_code_id,
        doc_number,
        {{ sum_money('amount') }} as amount,
        count(*) as erp_line_count,
        min(erp_txn_id) as first_erp_txn_id
    from {{ ref('int_erp__transactions_mapped') }}
    group by tenant_id, doc_type, project_id, cost_code_id, doc_number
),

mapped as (
    select * from coconstruct where is_mapped
),

compared as (
    select
        coalesce(mapped.tenant_id, erp.tenant_id) as tenant_id,
        coalesce(mapped.doc_type, erp.doc_type) as doc_type,
        coalesce(mapped.project_id, erp.project_id) as project_id,
        coalesce(mapped.cost_code_id, erp.cost_code_id) as cost_code_id,
        coalesce(mapped.doc_number, erp.doc_number) as doc_number,
        mapped.amount as coconstruct_amount,
        erp.amount as erp_amount,
        erp.first_erp_txn_id,
        case
            when mapped.tenant_id is null then 'erp_only'
            when erp.tenant_id is null then 'coconstruct_only'
            when abs(mapped.amount - erp.amount) <= {{ var('erp_amount_tolerance', 0) }} then 'matched'
            else 'amount_differs'
        end as reconciliation_status
    from mapped
    full outer join erp
        on mapped.tenant_id = erp.tenant_id
        and mapped.doc_type = erp.doc_type
        and mapped.project_id = erp.project_id
        and coalesce(mapped.cost_code_id, 0) = coalesce(erp.cost_code_id, 0)
        and mapped.doc_number = erp.doc_number
),

unmapped as (
    select
        tenant_id,
        doc_type,
        project_id,
        cost_code_id,
        doc_number,
        amount as coconstruct_amount,
        cast(null as {{ money_type() }}) as erp_amount,
        cast(null as {{ dbt.type_string() }}) as first_erp_txn_id,
        'unmapped' as reconciliation_status
    from coconstruct
    where not is_mapped
),

combined as (
    select * from compared
    union all
    select * from unmapped
)

select
    tenant_id,
    doc_type,
    project_id,
    cost_code_id,
    doc_number,
    reconciliation_status,
    coconstruct_amount,
    erp_amount,
    case when reconciliation_status in ('matched', 'amount_differs')
        then {{ to_money('coconstruct_amount - erp_amount') }} end as amount_difference,
    first_erp_txn_id
from combined
