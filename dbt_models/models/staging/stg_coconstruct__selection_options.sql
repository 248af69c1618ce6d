-- selection_options: renamed, typed, deduplicated on (tenant_id, id), deleted rows excluded.
with live as (
    {{ deduplicated(source('coconstruct', 'selection_options'), ['tenant_id', 'id']) }}
)

select
    cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
    cast(id as {{ dbt.type_bigint() }}) as selection_option_id,
    cast(selection_id as {{ dbt.type_bigint() }}) as selection_id,
    cast(name as {{ dbt.type_string() }}) as selection_option_name,
    cast(vendor_id as {{ dbt.type_bigint() }}) as vendor_id,
    {{ to_money('cost') }} as cost,
    {{ to_quantity('markup_percent') }} as markup_percent,
    {{ to_money('price') }} as price,
    cast(is_chosen as {{ dbt.type_boolean() }}) as is_chosen
from live
