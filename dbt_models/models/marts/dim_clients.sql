-- One row per client (homeowner) with a normalized name for matching (accents and odd
-- spacing kept in display_name) and the number of projects.
with clients as (
    select * from {{ ref('stg_coconstruct__clients') }}
),

project_counts as (
    select tenant_id, client_id, count(*) as project_count
    from {{ ref('stg_coconstruct__project_clients') }}
    group by tenant_id, client_id
)

select
    clients.tenant_id,
    clients.client_id,
    clients.first_name,
    clients.last_name,
    clients.display_name,
    {{ normalized_name('clients.display_name') }} as display_name_normalized,
    clients.email,
    clients.phone,
    coalesce(project_counts.project_count, 0) as project_count,
    clients.created_at,
    clients.updated_at
from clients
left join project_counts
    on clients.tenant_id = project_counts.tenant_id and clients.client_id = project_counts.client_id
