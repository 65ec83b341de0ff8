-- The cadence macro's catalogue (macros/cadence.sql) is the requirement seed, row for row: a
-- requirement added, renamed or re-ruled in one and not the other fails here, naming the side.
with catalogue as (
    {{ cadence_catalogue() }}
),

seed as (
    select requirement, requirement_name, is_quarterly, is_per_group, needs_quorum
    from {{ ref('requirement') }}
),

only_in_macro as (
    select * from catalogue
    except
    select * from seed
),

only_in_seed as (
    select * from seed
    except
    select * from catalogue
)

select 'only in macros/cadence.sql' as found, * from only_in_macro
union all
select 'only in seeds/vocabulary/requirement.csv' as found, * from only_in_seed
