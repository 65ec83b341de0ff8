-- The code this warehouse was built with (var code_sha256: pioneer/transform.py code_sha256). A
-- build whose code differs from the published warehouse's rebuilds every month.
select cast('{{ var("code_sha256", "") }}' as {{ dbt.type_string() }}) as code_sha256
