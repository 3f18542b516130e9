"""`python -m warta`."""

from warta.cli import main

main()
