"""Publication of validated, versioned files to HR (write → audit → publish)."""
