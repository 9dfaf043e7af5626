"""`python -m suivi` runs the command line."""

from suivi.cli import main

main()
