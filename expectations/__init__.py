"""Great Expectations gates: suites stored as files here, validated on DataFrames."""
