-- One row per trade partner (sub or vendor) with its commitments and insurance status.
with partners as (
    select * from {{ ref('stg_coconstruct__trade_partners') }}
),

commitments as (
    select tenant_id, trade_partner_id,
        count(*) as purchase_order_count,
        {{ sum_money('committed_amount') }} as committed_amount
    from {{ ref('fct_purchase_orders') }}
    group by tenant_id, trade_partner_id
)

select
    partners.tenant_id,
    partners.trade_partner_id,
    partners.trade_partner_name,
    {{ normalized_name('partners.trade_partner_name') }} as trade_partner_name_normalized,
    partners.trade,
    partners.email,
    partners.phone,
    partners.insurance_expires_on,
    partners.insurance_expires_on is not null
        and partners.insurance_expires_on < {{ as_of_date() }} as is_insurance_expired,
    partners.is_active,
    coalesce(commitments.purchase_order_count, 0) as purchase_order_count,
    coalesce(commitments.committed_amount, {{ to_money(0) }}) as committed_amount,
    partners.created_at,
    partners.updated_at
from partners
left join commitments
    on partners.tenant_id = commitments.tenant_id
    and partners.trade_partner_id = commitments.trade_partner_id
