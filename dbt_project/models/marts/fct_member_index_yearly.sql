-- Yearly member index (年度指数): mean of the member's monthly indexes in the calendar year (months of
-- the year in the marts in which the member was scored), rounded half away from zero to 2 places;
-- rank among the year's members and the delta to the previous year. The SQL: macros/period_index.sql.
{{ period_index(entity='member', grain='year') }}
