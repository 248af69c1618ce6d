-- What finance must fix before QuickBooks ties out: things with no QuickBooks mapping
-- (active cost codes, projects, divisions, categories) and documents whose sync failed.
with unmapped as (
    select
        tenant_id,
        'unmapped' as issue_type,
        local_type as object_type,
        local_id as object_id,
        local_name as object_name,
        cast(null as {{ dbt.type_bigint() }}) as project_id,
        cast(null as {{ money_type() }}) as amount,
        'no QuickBooks ' || missing_mapping_kind || ' mapping' as issue_detail
    from {{ ref('int_qb__unmapped') }}
),

failed as (
    select
        tenant_id,
        'sync_failed' as issue_type,
        document_type as object_type,
        cast(document_id as {{ dbt.type_string() }}) as object_id,
        document_number as object_name,
        project_id,
        amount,
        coalesce(qb_sync_error, 'sync error without a message') as issue_detail
    from {{ ref('int_qb__sync_failures') }}
)

select * from unmapped
union all
select * from failed
