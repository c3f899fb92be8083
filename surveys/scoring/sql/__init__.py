"""The SQL readers that feed the pure scoring pipeline: they read, never write."""
