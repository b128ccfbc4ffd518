"""The hash-chained audit log, and items checked against their history."""
