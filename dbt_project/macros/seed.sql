{#- dbt-duckdb loads a seed with COPY ... FROM '<absolute path>' and does not escape the path: a
    home whose path holds a quote (HOME/dbt/project/seeds/rules.csv, pioneer/transform.py
    project_dir) broke the build. The same COPY, with the path as an escaped SQL string. -#}
{% macro duckdb__load_csv_rows(model, agate_table) %}
    {% set seed_file_path = adapter.get_seed_file_path(model) %}
    {% set delimiter = config.get('delimiter', ',') %}
    {% set sql %}
      COPY {{ this.render() }} FROM '{{ seed_file_path | replace("'", "''") }}' (FORMAT CSV, HEADER TRUE, DELIMITER '{{ delimiter }}')
    {% endset %}
    {% do adapter.add_query(sql, abridge_sql_log=True) %}
    {{ return(sql) }}
{% endmacro %}
