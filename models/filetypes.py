"""What an evidence file is, decided from its content (never from its name or the
browser's word), and whether its name's extension agrees."""

import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from models.errors import MESSAGES, RuleError

MESSAGES.update({
    "file_type": (
        "不支持的文件类型：{value}（可上传图片、PDF、Office 文档或纯文本）",
        "file type not accepted: {value} (images, PDF, Office documents or plain text)",
    ),
    "file_mismatch": ("文件内容与扩展名不符：{value}", "the file's content does not match its extension: {value}"),
    "file_name": ("文件名无效：{value}", "invalid file name: {value}"),
})


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


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None
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
    found = sniff(data)
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
