"""The `sibc` command line (click): check, compile, schema, explain."""
