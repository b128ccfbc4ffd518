"""A deadline as an all-day iCalendar event (RFC 5545), attached to assignment mail."""

from datetime import date, datetime, timedelta

from models.text import scrub


def _escape(text: str) -> str:
    # Every line end (CRLF, LF or a bare CR) becomes the escaped \n: a raw one would start a
    # new property. Control characters are dropped.
    text = scrub(text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = b""
    for ch in line:
        b = ch.encode()
        if len(current) + len(b) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += b
    out.append(current.decode())
    return "\r\n ".join(out)


def deadline_calendar(events: list[dict], *, stamp: datetime, method: str = "PUBLISH") -> bytes:
    """One calendar with an all-day event per deadline (uid, due_on, summary, description, url,
    sequence). The same uid with a higher sequence updates the event a calendar already
    holds; method CANCEL removes it (the item closed or was withdrawn)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//rectiflow//deadline//ZH", "CALSCALE:GREGORIAN",
             f"METHOD:{method}"]
    for e in events:
        lines += _vevent(stamp=stamp, cancelled=method == "CANCEL", **e)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()


def _vevent(*, uid: str, due_on: date, summary: str, description: str, url: str, stamp: datetime,
            sequence: int = 0, cancelled: bool = False) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{stamp.strftime('%Y%m%dT%H%M%SZ')}",
        f"DTSTART;VALUE=DATE:{due_on.strftime('%Y%m%d')}",
        f"DTEND;VALUE=DATE:{(min(due_on, date.max - timedelta(days=1)) + timedelta(days=1)).strftime('%Y%m%d')}",
        f"SUMMARY:{_escape(summary)}",
        f"DESCRIPTION:{_escape(description)}",
        f"URL:{scrub(url).replace(chr(10), '')}",
        "TRANSP:TRANSPARENT",
        *(["STATUS:CANCELLED"] if cancelled else []),
        "END:VEVENT",
    ]
