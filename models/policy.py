"""The rule parameters commands need, taken from settings once."""

from dataclasses import dataclass, field

from models.catalogue import DeadlineClass
from models.settings import Settings, get_settings


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

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> "Policy":
        from models.escalation import load_deadline_policy

        s = settings or get_settings()
        return cls(
            timezone=s.timezone,
            language=s.language,
            days={
                DeadlineClass.immediate: s.days_immediate,
                DeadlineClass.limited: s.days_limited,
                DeadlineClass.long: s.days_long,
            },
            recurrence_months=s.recurrence_months,
            due_window_days=s.due_window_days,
            level_colours={lv.level: lv.colour for lv in load_deadline_policy(s.escalation_file).levels},
        )
