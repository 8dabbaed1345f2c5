"""`python -m sibdsl` runs the sibc command line."""

from sibdsl.cli.main import main

main()
