-- projects: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'projects'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as project_id,
    cast(job_number as {{ dbt.type_string() }}) as job_number,
    cast(name as {{ dbt.type_string() }}) as project_name,
    cast(street as {{ dbt.type_string() }}) as street,
    cast(city as {{ dbt.type_string() }}) as city,
    cast(state as {{ dbt.type_string() }}) as state,
    cast(postal_code as {{ dbt.type_string() }}) as postal_code,
    cast(status as {{ dbt.type_string() }}) as status,
    cast(contract_type as {{ dbt.type_string() }}) as contract_type,
    {{ to_money('original_contract_amount') }} as original_contract_amount,
    {{ to_money('fee_cap_amount') }} as fee_cap_amount,
    {{ to_quantity('tax_rate_percent') }} as tax_rate_percent,
    cast(start_date as date) as start_date,
    cast(target_completion_date as date) as target_completion_date,
    cast(actual_completion_date as date) as actual_completion_date,
    cast(project_manager_id as {{ dbt.type_bigint() }}) as project_manager_id,
    created_at as created_at,
    updated_at as updated_at
from live
