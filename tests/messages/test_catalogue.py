"""Every catalogue says each thing in Chinese and in English, with the same blanks to fill in
both: a field missing from one language would raise at the moment a person is refused."""

from string import Formatter

import pytest

from messages import labels
from messages.catalogue import MESSAGES
from messages.console import CONSOLE
from messages.portal import PORTAL
from messages.refusal import RuleError

CATALOGUES = {"refusals": MESSAGES, "console": CONSOLE, "portal": PORTAL, "states": labels.STATES,
              "stages": labels.STAGES, "classes": labels.CLASSES, "roles": labels.ROLES,
              "mail status": labels.MAIL_STATUS, "not compliant": labels.NOT_COMPLIANT, "tiers": labels.TIERS}


def blanks(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_each_entry_has_both_languages_with_the_same_blanks(name: str):
    wrong = []
    for key, (zh, en) in CATALOGUES[name].items():
        if not zh.strip() or not en.strip():
            wrong.append(f"{key}: a language is empty")
        elif blanks(zh) != blanks(en):
            wrong.append(f"{key}: zh {sorted(blanks(zh))} / en {sorted(blanks(en))}")
    assert wrong == []


def test_a_refusal_renders_in_both_languages_naming_its_field():
    refused = RuleError("too_long", field="title", limit=200)
    assert refused.render("zh") == "title: 过长（最多 200 字）"
    assert refused.render("en", fields={"title": "Problem"}) == "Problem: is too long (at most 200 characters)"
