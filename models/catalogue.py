"""The negative list (负面清单): groups 庸懒散浮拖 and their manifestations."""

from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from sqlmodel import Field, Session, SQLModel, col, select

from messages import RuleError
from models.columns import enum_type


class DeadlineClass(StrEnum):
    immediate = "immediate"  # 立行立改
    limited = "limited"  # 限期整改
    long = "long"  # 长期整改


class Group(SQLModel, table=True):
    __tablename__ = "manifestation_group"

    id: str = Field(primary_key=True, max_length=16)
    char: str = Field(max_length=4)
    title_zh: str = Field(max_length=100)
    title_en: str = Field(max_length=100)
    position: int = 0


class Manifestation(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=24)
    group_id: str = Field(foreign_key="manifestation_group.id", index=True)
    title_zh: str = Field(max_length=200)
    title_en: str = Field(max_length=200)
    default_class: DeadlineClass = Field(sa_type=enum_type(DeadlineClass))
    position: int = 0


def default_negative_list_path() -> Path:
    return Path(str(resources.files("models") / "data" / "negative_list.yaml"))


def parse_negative_list(raw: Any, *, source: str) -> list[tuple[Group, list[Manifestation]]]:
    """Validate the whole file before anything is written; errors name the entry."""
    if not isinstance(raw, dict) or not isinstance(raw.get("groups"), list):
        raise RuleError("bad_file", field=source, detail="top level must have 'groups: [...]'")
    out: list[tuple[Group, list[Manifestation]]] = []
    seen: set[str] = set()
    for gi, g in enumerate(raw["groups"], start=1):
        where = f"{source}: groups[{gi}]"
        try:
            group = Group(
                id=str(g["id"]), char=str(g["char"]), title_zh=str(g["title_zh"]),
                title_en=str(g["title_en"]), position=gi,
            )
            items = g["items"]
        except (KeyError, TypeError) as exc:
            raise RuleError("bad_file", field=where, detail=f"missing {exc}") from None
        manifestations = []
        for mi, m in enumerate(items, start=1):
            mwhere = f"{where}.items[{mi}]"
            try:
                cls = DeadlineClass(m.get("class", "limited"))
                man = Manifestation(
                    id=str(m["id"]), group_id=group.id, title_zh=str(m["title_zh"]),
                    title_en=str(m["title_en"]), default_class=cls, position=gi * 100 + mi,
                )
            except (KeyError, TypeError, AttributeError) as exc:
                raise RuleError("bad_file", field=mwhere, detail=f"missing {exc}") from None
            except ValueError:
                raise RuleError("bad_file", field=mwhere, detail=f"bad class {m.get('class')!r}") from None
            if man.id in seen:
                raise RuleError("bad_file", field=mwhere, detail=f"duplicate id {man.id}")
            seen.add(man.id)
            manifestations.append(man)
        out.append((group, manifestations))
    return out


def apply_negative_list(session: Session, raw: Any, *, source: str) -> int:
    """Upsert the catalogue from its file's data; returns the number of manifestations."""
    parsed = parse_negative_list(raw, source=source)
    count = 0
    for group, items in parsed:
        session.merge(group)
        for man in items:
            session.merge(man)
            count += 1
    session.flush()
    return count


def manifestations(session: Session) -> list[Manifestation]:
    return list(session.exec(select(Manifestation).order_by(col(Manifestation.position))))
