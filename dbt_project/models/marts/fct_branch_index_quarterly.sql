-- Quarterly branch index: mean of the branch's monthly indexes in the quarter, rounded half away from
-- zero to 2 places; stars, rank among the quarter's branches and the year-over-year delta.
-- The SQL: macros/period_index.sql.
{{ period_index(entity='branch', grain='quarter') }}
