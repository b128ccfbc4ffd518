"""A spreadsheet is checked as a file before openpyxl inflates it: its size, what its zip
would unpack to, its parts' XML (no DOCTYPE or entities: no entity expansion, no external
references), and its row count (counted while streaming, so a 100,000-row sheet is refused
in a moment instead of after loading). Every refusal names the file."""

import re
import zipfile
from pathlib import Path

from messages import RuleError

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED = 64 * 1024 * 1024
MAX_PARTS = 2000
CHUNK = 1024 * 1024
DANGEROUS = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)
ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")


def check_workbook(path: Path, *, max_rows: int) -> None:
    """Refuse a workbook whose file would cost more than its rows are worth."""
    size = path.stat().st_size
    too_big = RuleError("sheet_too_big", field="file", value=path.name, limit=MAX_FILE_BYTES // 2**20,
                        unpacked=MAX_UNPACKED // 2**20)
    if size > MAX_FILE_BYTES:
        raise too_big
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            if len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > MAX_UNPACKED:
                raise too_big
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    rows = _scan(z, info)
                    if info.filename.startswith("xl/worksheets/") and rows > max_rows + 5:  # a header above
                        raise RuleError("too_many_rows", field="file", value=rows, limit=max_rows)
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError, ValueError, EOFError):
        raise RuleError("not_xlsx", field="file", value=path.name) from None


def _scan(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """Stream one part: refuse DOCTYPE/ENTITY, count <row> elements. Reads at most the part's
    declared size (a part that unpacks to more than it declares is a broken zip)."""
    rows, tail, read = 0, b"", 0
    with z.open(info) as part:
        while chunk := part.read(CHUNK):
            read += len(chunk)
            if read > info.file_size:
                raise zipfile.BadZipFile("part larger than declared")
            window = tail + chunk
            if DANGEROUS.search(window):
                raise RuleError("sheet_xml", field="file", value=Path(str(z.filename)).name)
            rows += len(ROW.findall(window)) - len(ROW.findall(tail))
            tail = window[-16:]
    return rows
