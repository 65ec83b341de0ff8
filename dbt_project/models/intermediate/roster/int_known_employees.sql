-- Employee numbers that some roster snapshot knows (listed at least once); records of other
-- employee numbers are unknown_person references.
select distinct employee_no
from {{ ref('int_member_versions') }}
where is_present
  and employee_no is not null
