"""The ledger's views (整改台账) and its Excel export."""
