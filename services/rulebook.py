"""The files that set the rules (the negative list, the deadline and compliance policies)
and the organisation file: read by store/yaml_file.py, given meaning by models/."""

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session

from models.catalogue import apply_negative_list, default_negative_list_path
from models.deadlines.escalation import DeadlinePolicy, default_policy_path, parse_deadline_policy
from models.notices.compliance import CompliancePolicy, default_compliance_path, parse_compliance_policy
from models.people.orgfile import OrgSummary, apply_org
from store.yaml_file import read_yaml, stamp


def load_negative_list(session: Session, *, path: Path | None = None) -> int:
    """Upsert the negative list (default: the one shipped); returns its number of items."""
    path = path or default_negative_list_path()
    return apply_negative_list(session, read_yaml(path), source=path.name)


def load_org(session: Session, *, path: Path, allowed_hosts: tuple[str, ...] = (),
             now: datetime | None = None) -> OrgSummary:
    """Load or update the organisation from its YAML file, all or nothing (`now`: when, for the
    channels it sets; the use case passes its clock, tests and benches may leave it)."""
    return apply_org(session, read_yaml(path, missing="file_missing"), source=path.name,
                     allowed_hosts=allowed_hosts, now=now or datetime.now(UTC))


def load_deadline_policy(path: Path | None = None) -> DeadlinePolicy:
    """The deadline policy, parsed once per version of its file (every command reads it)."""
    path = path or default_policy_path()
    return _deadline_policy(str(path), stamp(path))


@lru_cache(maxsize=8)  # every command reads it: parsed once per version of the file
def _deadline_policy(path: str, version: int) -> DeadlinePolicy:
    return parse_deadline_policy(read_yaml(Path(path)), source=Path(path).name)


def load_compliance_policy(path: Path | None = None) -> CompliancePolicy:
    path = path or default_compliance_path()
    data = read_yaml(path)
    return parse_compliance_policy(data, source=str(path))
