"""`python -m dataops` runs the CLI."""

from dataops.cli import main

main()
