"""`python -m ui` and the built program's entry point: the same as `community-ledger`."""

from ui.main import run

run()
