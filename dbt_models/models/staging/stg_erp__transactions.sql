-- The ERP (QuickBooks) side of the reconciliation: an export with one row per transaction
-- line. Configurable: var erp_transactions_relation names the table ("schema.table");
-- without it the shipped sample seed is used.
{% set relation = var('erp_transactions_relation', '') %}

with source as (
    {% if relation %}
    select * from {{ relation }}
    {% else %}
    select * from {{ ref('erp_sample_transactions') }}
    {% endif %}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(erp_txn_id as {{ dbt.type_string() }}) as erp_txn_id,
    lower(trim(cast(doc_type as {{ dbt.type_string() }}))) as doc_type,
    trim(cast(doc_number as {{ dbt.type_string() }})) as doc_number,
    cast(customer_job_qb_id as {{ dbt.type_string() }}) as customer_job_qb_id,
    cast(customer_job_name as {{ dbt.type_string() }}) as customer_job_name,
    {{ normalized_name('customer_job_name') }} as customer_job_name_normalized,
    cast(item_qb_id as {{ dbt.type_string() }}) as item_qb_id,
    cast(item_name as {{ dbt.type_string() }}) as item_name,
    {{ normalized_name('item_name') }} as item_name_normalized,
    cast(txn_date as date) as txn_date,
    {{ to_money('amount') }} as amount
from source
