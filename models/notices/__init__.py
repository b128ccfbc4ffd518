"""The monthly notice: figures, compliance, tiers."""
