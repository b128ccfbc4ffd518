import pytest
import yaml

from messages import RuleError
from models.catalogue import DeadlineClass, Group, Manifestation, parse_negative_list
from services.evidence import store_path
from services.rulebook import load_negative_list
from store.db import transaction
from store.evidence_files import blob_path


def test_negative_list_has_22_items_in_five_groups(engine):
    with transaction(engine) as s:
        groups = s.query(Group).order_by(Group.position).all()
        assert [g.char for g in groups] == ["庸", "懒", "散", "浮", "拖"]
        items = s.query(Manifestation).all()
        assert len(items) == 22
        assert {m.id.split("-")[0] for m in items} == {g.id for g in groups}
        assert all(m.title_zh and m.title_en for m in items)
        assert s.get(Manifestation, "lan-3").default_class is DeadlineClass.limited


def test_replacement_file_is_validated(tmp_path, engine):
    bad = {"groups": [{"id": "g", "char": "庸", "title_zh": "x", "title_en": "x",
                       "items": [{"id": "g-1", "title_zh": "a", "title_en": "a", "class": "someday"}]}]}
    with pytest.raises(RuleError) as err:
        parse_negative_list(bad, source="list.yaml")
    assert "items[1]" in err.value.render() and "someday" in err.value.render()
    f = tmp_path / "list.yaml"
    f.write_text(yaml.safe_dump({"groups": [{**bad["groups"][0], "items": [
        {"id": "g-1", "title_zh": "新表述", "title_en": "new", "class": "immediate"}]}]}), encoding="utf-8")
    with transaction(engine) as s:
        assert load_negative_list(s, path=f) == 1
    with transaction(engine) as s:
        assert s.get(Manifestation, "g-1").title_zh == "新表述"


def test_evidence_store_is_content_addressed(tmp_path):
    src = tmp_path / "照片.jpg"
    src.write_bytes(b"\xff\xd8\xff" + b"x" * 100)
    a = store_path(src, root=tmp_path / "store", max_bytes=1000)
    b = store_path(src, root=tmp_path / "store", max_bytes=1000)
    assert a == b and a.original_name == "照片.jpg" and a.size == 103
    assert blob_path(tmp_path / "store", a.sha256).read_bytes() == src.read_bytes()
    with pytest.raises(RuleError) as err:
        store_path(src, root=tmp_path / "store", max_bytes=10)
    assert err.value.key == "file_too_large"
    with pytest.raises(RuleError) as err:
        store_path(tmp_path / "nope.pdf", root=tmp_path / "store", max_bytes=10)
    assert err.value.key == "file_missing"
