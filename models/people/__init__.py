"""The organisation: units, people, roles, and who holds which."""
