-- Months of the member index this build recomputed, as `pioneer run` reports them ("months
-- rebuilt"): the reported dirty months (int_dirty_months) that have a scored member. A full build
-- lists every month of the marts; an incremental one the months arrivals, the clock or a rule
-- change touched and the months that read them.
select dirty.month
from {{ ref('int_dirty_months') }} as dirty
where
    dirty.is_reported
    and exists (
        select 1
        from {{ ref('fct_member_index_monthly') }} as fct
        where fct.month = dirty.month
    )
