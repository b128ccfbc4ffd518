"""The monthly inspection round and its checklist (and sheets of findings)."""
