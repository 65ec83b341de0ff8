-- Monthly KPI: latest version per (employee, period).
with latest as (
    {{ latest_version(source('performance', 'kpi'), 'employee_no, period') }}
)

select
    event_id,
    employee_no,
    period as kpi_month,
    cast(kpi_score as decimal(18,6)) as kpi_score,
    rating,
    updated_at
from latest
where not deleted
