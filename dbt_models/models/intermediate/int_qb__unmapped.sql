-- What has no QuickBooks mapping: active cost codes (no item), projects (no customer:job),
-- divisions of active codes (no class) and cost categories (no account).
with mappings as (
    select * from {{ ref('int_qb__mappings_normalized') }}
),

codes as (
    select * from {{ ref('int_cost_codes__hierarchy') }}
),

projects as (
    select * from {{ ref('stg_coconstruct__projects') }}
),

unmapped_codes as (
    select
        tenant_id,
        'cost_code' as local_type,
        cast(cost_code_id as {{ dbt.type_string() }}) as local_id,
        cost_code_label as local_name,
        'item' as missing_mapping_kind
    from codes
    where is_active and not is_mapped_to_qb_item
),

unmapped_projects as (
    select
        projects.tenant_id,
        'project' as local_type,
        cast(projects.project_id as {{ dbt.type_string() }}) as local_id,
        projects.job_number || ' ' || projects.project_name as local_name,
        'customer_job' as missing_mapping_kind
    from projects
    left join mappings
        on projects.tenant_id = mappings.tenant_id
        and mappings.kind = 'customer_job'
        and mappings.local_numeric_id = projects.project_id
    where mappings.qb_mapping_id is null
),

unmapped_divisions as (
    select
        tenant_id,
        'division' as local_type,
        division_code as local_id,
        min(division_label) as local_name,
        'class' as missing_mapping_kind
    from codes
    where is_active and qb_class_id is null
    group by tenant_id, division_code
),

categories as (
    select distinct tenant_id, category
    from {{ ref('int_document_lines__recomputed') }}
    where category is not null
),

unmapped_categories as (
    select
        categories.tenant_id,
        'cost_category' as local_type,
        categories.category as local_id,
        categories.category as local_name,
        'account' as missing_mapping_kind
    from categories
    left join mappings
        on categories.tenant_id = mappings.tenant_id
        and mappings.kind = 'account'
        and mappings.local_id = categories.category
    where mappings.qb_mapping_id is null
)

select * from unmapped_codes
union all
select * from unmapped_projects
union all
select * from unmapped_divisions
union all
select * from unmapped_categories
