"""The organisation: units in a tree, people, and their roles in units."""

from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from models.columns import enum_type


class UnitKind(StrEnum):
    bureau = "bureau"
    branch = "branch"
    department = "department"
    committee = "committee"
    leadership = "leadership"
    discipline = "discipline"


class Role(StrEnum):
    inspector = "inspector"  # 督察员
    owner = "owner"  # 责任人
    secretary = "secretary"  # 支部书记
    supervisor = "supervisor"  # 机关党委
    leader = "leader"  # 党组
    discipline = "discipline"  # 纪检
    admin = "admin"


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=40)
    name: str = Field(max_length=200)
    kind: UnitKind = Field(sa_type=enum_type(UnitKind))
    parent_id: int | None = Field(default=None, foreign_key="unit.id")


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=254)
    name: str = Field(max_length=100)
    active: bool = True
    language: str | None = Field(default=None, max_length=5)
    # The employee number (工号), for an identity platform that names people by it.
    staff_no: str | None = Field(default=None, unique=True, index=True, max_length=40)


class Membership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("person_id", "unit_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: Role = Field(sa_type=enum_type(Role))
