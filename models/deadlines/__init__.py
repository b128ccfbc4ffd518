"""Working days, the escalation ladder, the daily sweep and its alerts."""
