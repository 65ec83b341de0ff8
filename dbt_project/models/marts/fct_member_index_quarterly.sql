-- Quarterly member index (季度指数): mean of the member's monthly indexes in the quarter (months of the
-- quarter in the marts in which the member was scored), rounded half away from zero to 2 places;
-- rank among the quarter's members and the year-over-year delta. The SQL: macros/period_index.sql.
{{ period_index(entity='member', grain='quarter') }}
