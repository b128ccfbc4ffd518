"""What an evidence file is, decided from its content (never from its name or the
browser's word), and whether its name's extension agrees."""

import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from messages import RuleError

# An Office document is a zip: its parts, unpacked, must stay within these (a 1 MiB "docx"
# that unpacks to 1 GiB is a zip bomb aimed at whoever previews or indexes it).
MAX_UNPACKED = 200 * 1024 * 1024
MAX_PARTS = 5000
MAX_RATIO = 200  # unpacked size / packed size of any part over 1 MiB unpacked
MACRO_PARTS = ("vbaproject.bin", "vbadata.xml", "/activex/", "macrosheets/")
OLE_MACRO = "_VBA_PROJECT".encode("utf-16-le")


@dataclass(frozen=True)
class Kind:
    mime: str
    extensions: tuple[str, ...]
    preview: bool = False  # shown inline to the reviewer (images, PDF)


KINDS = {
    "png": Kind("image/png", (".png",), True),
    "jpeg": Kind("image/jpeg", (".jpg", ".jpeg"), True),
    "gif": Kind("image/gif", (".gif",), True),
    "webp": Kind("image/webp", (".webp",), True),
    "pdf": Kind("application/pdf", (".pdf",), True),
    "docx": Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "xlsx": Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "pptx": Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)),
    "ole": Kind("application/octet-stream", (".doc", ".xls", ".ppt")),  # legacy Office (OLE2)
    "text": Kind("text/plain; charset=utf-8", (".txt", ".csv", ".md", ".log")),
}


def safe_name(name: str) -> str:
    """The name as data: last path part only, no control characters, at most 255 chars."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')
    if base in ("", ".", ".."):
        raise RuleError("file_name", field="file", value=name[:80])
    return base[:255]


class ArchiveRefused(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _zip_kind(data: bytes) -> str | None:
    """The Office kind of a zip, after checking what it would unpack to; never unpacks it."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            infos = z.infolist()
            content_types = z.read("[Content_Types].xml") if "[Content_Types].xml" in z.namelist() else b""
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, NotImplementedError, RuntimeError):
        return None
    names = {i.filename for i in infos}
    if len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > MAX_UNPACKED:
        raise ArchiveRefused("file_archive")
    if any(i.file_size > 2**20 and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos):
        raise ArchiveRefused("file_archive")
    if any(part in name.lower() for name in names for part in MACRO_PARTS) or b"macroEnabled" in content_types:
        raise ArchiveRefused("file_macro")
    if "[Content_Types].xml" not in names:
        return None
    for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
        if any(n.startswith(prefix) for n in names):
            return kind
    return None


def sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if OLE_MACRO in data:  # a legacy document carrying a VBA project
            raise ArchiveRefused("file_macro")
        return "ole"
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
            return "text"
        except UnicodeDecodeError:
            return None
    return None


def classify(name: str, data: bytes) -> tuple[str, Kind]:
    """(safe name, kind) for an upload, or a refusal naming the file."""
    clean = safe_name(name)
    if not data:
        raise RuleError("file_empty", field="file", value=clean)
    try:
        found = sniff(data)
    except ArchiveRefused as refused:
        raise RuleError(refused.key, field="file", value=clean) from None
    if found is None:
        raise RuleError("file_type", field="file", value=clean)
    kind = KINDS[found]
    if PurePath(clean).suffix.lower() not in kind.extensions:
        raise RuleError("file_mismatch", field="file", value=clean)
    return clean, kind


def kind_of(name: str) -> Kind | None:
    """The kind a stored file was accepted as, from its (checked) name."""
    suffix = PurePath(name).suffix.lower()
    return next((k for k in KINDS.values() if suffix in k.extensions), None)
