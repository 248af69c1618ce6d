-- trade_partners: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'trade_partners'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as trade_partner_id,
    cast(name as {{ dbt.type_string() }}) as trade_partner_name,
    cast(trade as {{ dbt.type_string() }}) as trade,
    cast(email as {{ dbt.type_string() }}) as email,
    cast(phone as {{ dbt.type_string() }}) as phone,
    cast(insurance_expires_on as date) as insurance_expires_on,
    cast(is_active as {{ dbt.type_boolean() }}) as is_active,
    created_at as created_at,
    updated_at as updated_at
from live
