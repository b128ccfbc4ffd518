"""Reading the YAML files people edit (the organisation, the negative list, the deadline and
compliance policies). A missing or malformed file is refused naming it; what the data means
is the rules' part (models/)."""

from pathlib import Path
from typing import Any

import yaml

from messages import RuleError


def read_yaml(path: Path, *, missing: str = "bad_file") -> Any:
    """The file's data. `missing`: the refusal for a file that is not there ("file_missing"
    where the path is the user's own argument)."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        if missing == "file_missing":
            raise RuleError("file_missing", field="file", value=str(path)) from None
        raise RuleError("bad_file", field=str(path), detail=str(exc).splitlines()[0]) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleError("bad_file", field=str(path), detail=str(exc).splitlines()[0]) from None


def stamp(path: Path) -> int:
    """The file's version (its modification time), for caching what was parsed from it."""
    try:
        return path.stat().st_mtime_ns
    except OSError as exc:
        raise RuleError("bad_file", field=str(path), detail=str(exc).splitlines()[0]) from None
