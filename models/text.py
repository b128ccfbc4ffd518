"""What a person may type: bounded, printable text. One-line fields (titles, names) take
no line breaks; multi-line fields (details, accounts, reasons) take newlines only. Control
characters (a vertical tab pasted from Word, `_x000B_` in a sheet), bidirectional overrides
and characters XML cannot hold are refused where text enters, naming the field; the
writers (Excel, Word, .ics) also scrub them, so a row that got in some other way cannot
break an export."""

import re

from messages import RuleError

# Bidirectional overrides can make text read differently from what it is (Trojan source).
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# C0 and C1 controls, DEL, unpaired surrogates, XML's noncharacters, and the bidi overrides.
_BAD = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff{_BIDI}]")
# How Excel writes a control character into its XML (`_x000B_`): a sheet can carry it as
# plain text, and Excel turns it back into the character when it opens our exports.
_EXCEL_ESCAPE = re.compile(r"_x00(?:[01][0-9A-Fa-f]|7[Ff])_")


def check_text(value: str, *, field: str, multiline: bool = False) -> str:
    """The text with line ends normalised, or a refusal naming the field and the character."""
    value = value.replace("\r\n", "\n")
    if not multiline and ("\n" in value or "\r" in value):
        raise RuleError("line_break", field=field)
    value = value.replace("\r", "\n")
    if not multiline and "\t" in value:
        value = value.replace("\t", " ")
    if found := _BAD.search(value):
        raise RuleError("control_char", field=field, value=f"U+{ord(found.group()):04X}")
    if found := _EXCEL_ESCAPE.search(value):
        raise RuleError("control_char", field=field, value=found.group())
    return value


def clean_text(value: str | None, *, field: str, limit: int, required: bool = True, multiline: bool = False) -> str:
    """Bounded, printable, stripped text for a field; refusals name the field."""
    value = check_text((value or "").strip(), field=field, multiline=multiline)
    if required and not value:
        raise RuleError("required", field=field)
    if len(value) > limit:
        raise RuleError("too_long", field=field, limit=limit)
    return value


def scrub(value: str) -> str:
    """For writers: drop what no XML document (Excel, Word) or mail header can carry."""
    return _EXCEL_ESCAPE.sub("", _BAD.sub("", value))


MAX_ID = 2**31 - 1  # the largest row id every ledger database keeps (PostgreSQL's integer)


def row_id(value: str | int, *, field: str) -> int:
    """A row number a person typed or a link carries: ASCII digits within MAX_ID ("²" and a
    300-digit number are refused, naming the field), else a RuleError."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and 1 <= int(text) <= MAX_ID):
        raise RuleError("bad_id", field=field, value=text[:20])
    return int(text)
