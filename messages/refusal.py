"""A refusal a user can cause: nothing was changed, and the message names the field at fault."""

from typing import Any

from messages.catalogue import MESSAGES


class RuleError(Exception):
    """A refusal: nothing was changed. `field` names the input at fault."""

    def __init__(self, key: str, *, field: str = "", **params: Any) -> None:
        self.key = key
        self.field = field
        self.params = params
        super().__init__(self.render("en"))

    def render(self, language: str = "zh") -> str:
        zh, en = MESSAGES[self.key]
        text = (zh if language == "zh" else en).format(field=self.field, **self.params)
        if self.field and self.key != "bad_file":
            return f"{self.field}: {text}"
        return text
