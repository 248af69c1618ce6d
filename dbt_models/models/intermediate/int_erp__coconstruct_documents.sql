-- The CoConstruct side of the ERP reconciliation at the grain QuickBooks holds: bills per
-- job x cost code (item) x bill number and invoices per job x invoice number, drafts and
-- voids excluded, with the QuickBooks ids they map to (null when unmapped).
with bill_amounts as (
    select
        bills.tenant_id,
        'bill' as doc_type,
        bills.project_id,
        lines.cost_code_id,
        bills.bill_number as doc_number,
        {{ sum_money('lines.amount') }} as amount
    from {{ ref('stg_coconstruct__bills') }} as bills
    inner join {{ ref('stg_coconstruct__bill_lines') }} as lines
        on bills.tenant_id = lines.tenant_id and bills.bill_id = lines.bill_id
    where bills.status not in {{ actual_bill_excluded_statuses() }}
    group by bills.tenant_id, bills.project_id, lines.cost_code_id, bills.bill_number
),

invoice_amounts as (
    select
        tenant_id,
        'invoice' as doc_type,
        project_id,
        cast(null as {{ dbt.type_bigint() }}) as cost_code_id,
        invoice_number as doc_number,
        {{ sum_money('total') }} as amount
    from {{ ref('stg_coconstruct__invoices') }}
    where status not in {{ open_invoice_excluded_statuses() }}
    group by tenant_id, project_id, invoice_number
),

documents as (
    select * from bill_amounts
    union all
    select * from invoice_amounts
)

select
    documents.*,
    projects.qb_customer_job_id,
    codes.qb_item_id,
    projects.qb_customer_job_id is not null
        and (documents.doc_type = 'invoice' or codes.qb_item_id is not null) as is_mapped
from documents
left join {{ ref('dim_projects') }} as projects
    on documents.tenant_id = projects.tenant_id and documents.project_id = projects.project_id
left join {{ ref('int_cost_codes__hierarchy') }} as codes
    on documents.tenant_id = codes.tenant_id and documents.cost_code_id = codes.cost_code_id
