-- Personal data never reaches the marts: no column of a marts table is named like a phone or its hash.
select table_name, column_name
from information_schema.columns
where table_schema = 'marts'
  and (lower(column_name) like '%phone%' or lower(column_name) like '%person_key%' or lower(column_name) = 'raw')
