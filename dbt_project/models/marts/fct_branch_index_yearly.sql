-- Yearly branch index: mean of the branch's monthly indexes in the calendar year, rounded half away
-- from zero to 2 places; stars, rank among the year's branches and the delta to the previous year.
-- The SQL: macros/period_index.sql.
{{ period_index(entity='branch', grain='year') }}
