"""`python -m cmmsdb` runs the command-line interface."""

from cmmsdb.cli import main

main()
