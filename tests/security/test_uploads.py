"""Evidence files: type from content, names as data, empty files, zip bombs dressed as Office
documents, macro-enabled documents renamed .docx, legacy Office files carrying VBA."""

import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from messages import RuleError
from services.evidence import store_upload

CT = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx(parts: dict[str, bytes], *, content_types: bytes = CT, level: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", level) as z:
        z.writestr("[Content_Types].xml", content_types)
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def stored(tmp_path: Path, name: str, data: bytes):
    return store_upload(name, data, root=tmp_path / "evidence", max_bytes=20 * 2**20)


def refused(tmp_path: Path, name: str, data: bytes) -> RuleError:
    with pytest.raises(RuleError) as caught:
        stored(tmp_path, name, data)
    assert not (tmp_path / "evidence").exists() or not any((tmp_path / "evidence").rglob("*"))
    return caught.value


def test_a_plain_docx_is_taken(tmp_path):
    assert stored(tmp_path, "制度.docx", docx({"word/document.xml": b"<w:document/>"})).original_name == "制度.docx"


def test_a_zip_bomb_docx_is_refused_without_unpacking_it(tmp_path):
    bomb = docx({"word/document.xml": b"<w:document/>", "word/media/pad.xml": b"\0" * (300 * 2**20)})
    assert len(bomb) < 2 * 2**20
    assert refused(tmp_path, "制度.docx", bomb).key == "file_archive"


def test_a_highly_compressed_part_is_refused(tmp_path):
    ratio = docx({"word/document.xml": b"<w:document/>", "word/pad.bin": b"A" * (5 * 2**20)})
    assert refused(tmp_path, "a.docx", ratio).key == "file_archive"


def test_too_many_parts_are_refused(tmp_path):
    many = docx({"word/document.xml": b"x", **{f"word/p{i}.xml": b"" for i in range(5001)}},
                level=zipfile.ZIP_STORED)
    assert refused(tmp_path, "a.docx", many).key == "file_archive"


@pytest.mark.parametrize("part", ["word/vbaProject.bin", "word/activeX/activeX1.xml", "xl/macrosheets/sheet1.xml"])
def test_macro_enabled_documents_renamed_docx_are_refused(tmp_path, part):
    doc = docx({"word/document.xml": b"<w:document/>", part: b"macro"})
    assert refused(tmp_path, "制度.docx", doc).key == "file_macro"


def test_a_macro_content_type_is_refused(tmp_path):
    macro = b'<Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml" PartName="/word/d.xml"/>'
    doc = docx({"word/document.xml": b"x"}, content_types=CT[:-2] + b">" + macro + b"</Types>")
    assert refused(tmp_path, "a.docx", doc).key == "file_macro"


def test_a_legacy_document_with_vba_is_refused(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "_VBA_PROJECT".encode("utf-16-le") + b"\0" * 100
    assert refused(tmp_path, "旧.doc", ole).key == "file_macro"
    assert stored(tmp_path, "旧.doc", ole.replace("_VBA_PROJECT".encode("utf-16-le"), b"\0" * 24))


@pytest.mark.parametrize("name", ["空.txt", "空.pdf", "空.jpg"])
def test_empty_files_are_refused(tmp_path, name):
    assert refused(tmp_path, name, b"").key == "file_empty"


@pytest.mark.parametrize("name,data,key", [
    ("照片.jpg", b"%PDF-1.4 x", "file_mismatch"),
    ("x.exe", b"MZ\x90\x00\x03\x00", "file_type"),
    ("x.html", b"<script>alert(1)</script>", "file_mismatch"),
    ("x.svg", b"<svg onload=alert(1)/>", "file_mismatch"),
    ("x.zip", docx({"a.txt": b"x"}), "file_type"),
    ("..", b"text", "file_name"),
    ("", b"text", "file_name"),
    ("/", b"text", "file_name"),
    ("x.txt", b"\xff\xfe\x00bad", "file_type"),
    ("x.docx", b"PK\x03\x04 not really a zip", "file_type"),
])
def test_content_decides_the_type_and_names_are_data(tmp_path, name, data, key):
    assert refused(tmp_path, name, data).key == key


def test_an_oversized_file_is_refused(tmp_path):
    with pytest.raises(RuleError) as caught:
        store_upload("a.txt", b"x" * 1001, root=tmp_path, max_bytes=1000)
    assert caught.value.key == "file_too_large"


@pytest.mark.parametrize("name,kept", [("../../etc/passwd.txt", "passwd.txt"), ("C:\\Windows\\a.txt", "a.txt"),
                                       ('a"<>|.txt', "a.txt"), ("新\x00建.txt", "新建.txt")])
def test_paths_in_names_are_cut_to_their_last_part(tmp_path, name, kept):
    assert stored(tmp_path, name, "内容".encode()).original_name == kept
