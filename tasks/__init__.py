"""Prefect tasks: one side effect each, safe to retry."""
