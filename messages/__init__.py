"""What people are told: the one catalogue of refusals (`RuleError` and its messages) and the
labels of states, classes, colours and tiers, in Chinese first (English available). It
imports nothing of rectiflow's, so every layer, infrastructure included, may use it."""

from messages import labels
from messages.catalogue import MESSAGES
from messages.refusal import RuleError

__all__ = ["MESSAGES", "RuleError", "labels"]
