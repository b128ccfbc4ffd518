"""A level's colour in every view comes from the escalation policy file."""

from sqlalchemy import update

from models.items.finding import Finding
from models.ledger.views import item_view, ledger_views
from models.people.directory import finding_by_code
from models.policy import Policy
from services.context import policy as policy_from_settings
from store.db import transaction
from store.settings import get_settings
from tests.conftest import at
from tests.models.helpers import file_and_assign

RECOLOURED = """reminders: [3, 1, 0]
levels:
  - {level: 1, after: 1, colour: yellow, notify: [owner, secretary]}
  - {level: 2, after: 5, colour: blue, notify: [supervisor]}
  - {level: 3, after: 10, colour: red, notify: [leader, discipline]}
"""


def test_views_take_colours_from_the_policy_file(engine, policy, tmp_path, monkeypatch):
    code = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy)
    with transaction(engine) as s:
        s.execute(update(Finding).where(Finding.code == code).values(escalation_level=1))
    (tmp_path / "esc.yaml").write_text(RECOLOURED, encoding="utf-8")
    monkeypatch.setenv("RECTIFLOW_ESCALATION_FILE", str(tmp_path / "esc.yaml"))
    get_settings.cache_clear()
    try:
        mine = policy_from_settings()
    finally:
        monkeypatch.delenv("RECTIFLOW_ESCALATION_FILE")
        get_settings.cache_clear()
    assert mine.level_colours == {1: "yellow", 2: "blue", 3: "red"}
    with transaction(engine) as s:
        one = item_view(s, finding_by_code(s, code), now=at("2026-11-20 10:00"), policy=mine)
        [row] = ledger_views(s, now=at("2026-11-20 10:00"), policy=mine)
        shipped = item_view(s, finding_by_code(s, code), now=at("2026-11-20 10:00"), policy=Policy())
    assert (one.colour, row.colour, shipped.colour) == ("yellow", "yellow", "blue")
