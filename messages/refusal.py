"""A refusal a user can cause: nothing was changed, and the message names the field at fault."""

from collections.abc import Mapping
from typing import Any

from messages.catalogue import MESSAGES


class RuleError(Exception):
    """A refusal: nothing was changed. `field` names the input at fault."""

    def __init__(self, key: str, *, field: str = "", **params: Any) -> None:
        self.key = key
        self.field = field
        self.params = params
        super().__init__(self.render("en"))

    def render(self, language: str = "zh", *, fields: Mapping[str, str] | None = None) -> str:
        """The message, the field named as the form at hand names it (`fields`: its labels)."""
        field = (fields or {}).get(self.field, self.field)
        zh, en = MESSAGES[self.key]
        text = (zh if language == "zh" else en).format(field=field, **self.params)
        if field and self.key != "bad_file":
            return f"{field}: {text}"
        return text
