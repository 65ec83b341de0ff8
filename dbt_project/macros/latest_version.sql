{#-
  Latest version of every record of an event-store relation.
  Order: record_time, then source_file (byte order of names), then source_position (line);
  recorded_at and batch_id only break what is left. Tombstones are applied by the caller
  (`where not deleted` after picking the latest version).
-#}
{% macro latest_version(relation, partition_by, order_by=none) -%}
    {%- set default_order = "record_time desc nulls last, source_file desc, source_position desc, recorded_at desc, batch_id desc" -%}
    select *
    from (
        select
            ev.*,
            row_number() over (
                partition by {{ partition_by }}
                order by {{ order_by or default_order }}
            ) as version_rank
        from {{ relation }} as ev
    ) as versions
    where version_rank = 1
{%- endmacro %}
