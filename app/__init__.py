"""People's ways in: the CLI (and later the web portal)."""
