"""The rule parameters commands need, taken from settings once."""

from dataclasses import dataclass, field

from models.catalogue import DeadlineClass


@dataclass(frozen=True)
class Policy:
    timezone: str = "Asia/Shanghai"
    language: str = "zh"
    days: dict[DeadlineClass, int] = field(default_factory=lambda: {
        DeadlineClass.immediate: 5, DeadlineClass.limited: 20, DeadlineClass.long: 60,
    })
    recurrence_months: int = 6
    due_window_days: int = 731
    # Escalation level -> colour, as the deadline policy file says (views show these).
    level_colours: dict[int, str] = field(default_factory=lambda: {1: "blue", 2: "yellow", 3: "red"})
