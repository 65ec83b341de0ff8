"""Tools for analysts and the party-building office: they read a published warehouse (read-only)
or a home, never write the marts: status, sql, explain, statement, report, compare, docs."""
