-- change_order_approvals: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'change_order_approvals'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as change_order_approval_id,
    cast(change_order_id as {{ dbt.type_bigint() }}) as change_order_id,
    cast(action as {{ dbt.type_string() }}) as action,
    cast(actor_type as {{ dbt.type_string() }}) as actor_type,
    cast(actor_id as {{ dbt.type_bigint() }}) as actor_id,
    acted_at as acted_at,
    cast(method as {{ dbt.type_string() }}) as method
from live
