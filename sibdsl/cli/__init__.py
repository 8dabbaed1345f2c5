"""The `sibc` command line (click): check, compile, explain, report, schema, settle.

`main.py` holds the commands; `sibc check` runs `sibdsl.driver`, `sibc settle` runs
`settle_cmd.py`. Each command imports the heavy modules it needs only when it runs.
"""
