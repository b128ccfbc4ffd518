"""A refusal a user can cause: nothing was changed, and the message names the field at fault."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from messages.catalogue import MESSAGES
from messages.labels import zone_name

# The bureau's zone unless the caller names its own (settings.timezone).
DEFAULT_ZONE = "Asia/Shanghai"


def _param(value: Any, language: str, zone: str) -> Any:
    """A parameter as the person reads it: a moment in the bureau's zone, saying which; a
    (Chinese, English) pair in the person's language."""
    if isinstance(value, datetime):
        return f"{value.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} {zone_name(zone, language)}"
    if isinstance(value, tuple) and len(value) == 2:
        return value[0] if language == "zh" else value[1]
    return value


class RuleError(Exception):
    """A refusal: nothing was changed. `field` names the input at fault."""

    def __init__(self, key: str, *, field: str = "", **params: Any) -> None:
        self.key = key
        self.field = field
        self.params = params
        super().__init__(self.render("en"))

    def render(self, language: str = "zh", *, fields: Mapping[str, str] | None = None,
               zone: str = DEFAULT_ZONE) -> str:
        """The message, the field named as the form at hand names it (`fields`: its labels)."""
        field = (fields or {}).get(self.field, self.field)
        zh, en = MESSAGES[self.key]
        params = {name: _param(value, language, zone) for name, value in self.params.items()}
        text = (zh if language == "zh" else en).format(field=field, **params)
        if field and self.key != "bad_file":
            return f"{field}: {text}"
        return text
