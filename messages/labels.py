"""The names people read for the ledger's words, each defined once (Chinese, English):
states, deadline classes, escalation colours (with their mark and fill) and tiers. Keys are
the values stored in the ledger, so every layer (templates too) can look them up."""

from dataclasses import dataclass

STATES: dict[str, tuple[str, str]] = {
    "filed": ("已立项", "filed"),
    "assigned": ("整改中", "assigned"),
    "submitted": ("待验收", "submitted"),
    "closed": ("已销号", "closed"),
    "withdrawn": ("已撤销", "withdrawn"),
}

# Where an item stands, as a supervisor reads it (the Prefect runs list, the overview): the
# state, with an open item split by whose move it is.
STAGES: dict[str, tuple[str, str]] = {
    "filed": ("已立项", "filed"),
    "rectifying": ("待整改", "awaiting rectification"),
    "extension": ("延期待批", "extension pending"),
    "verifying": ("待验收", "awaiting verification"),
    "closed": ("已销号", "closed"),
    "withdrawn": ("已撤销", "withdrawn"),
}

CLASSES: dict[str, tuple[str, str]] = {
    "immediate": ("立行立改", "immediate"),
    "limited": ("限期整改", "limited"),
    "long": ("长期整改", "long-term"),
}


@dataclass(frozen=True)
class Colour:
    zh: str
    en: str
    fill: str  # table cells: Excel, Word, the notice mail (RGB hex)
    swatch: str  # a strong mark beside an item in mail (RGB hex)


COLOURS: dict[str, Colour] = {
    "blue": Colour("蓝", "blue", "DCE8F7", "1565C0"),
    "yellow": Colour("黄", "yellow", "FFF2B3", "F9A825"),
    "red": Colour("红", "red", "F8D0D0", "C62828"),
}
FILLS = {name: c.fill for name, c in COLOURS.items()}

ROLES: dict[str, tuple[str, str]] = {
    "inspector": ("督察员", "inspector"),
    "owner": ("责任人", "owner"),
    "secretary": ("支部书记", "branch secretary"),
    "supervisor": ("机关党委", "agency Party committee"),
    "leader": ("党组", "leading Party group"),
    "discipline": ("纪检", "discipline inspection"),
    "admin": ("管理员", "admin"),
}

MAIL_STATUS: dict[str, tuple[str, str]] = {
    "pending": ("待发送", "waiting"),
    "sending": ("发送中", "sending"),
    "sent": ("已发送", "sent"),
    "failed": ("发送失败", "failed"),
    "cancelled": ("已取消", "cancelled"),
}

# Why a branch missed a month (rectiflow compliance, the overview).
NOT_COMPLIANT: dict[str, tuple[str, str]] = {
    "late": ("{code} 未按期整改", "{code} not closed on time"),
    "red": ("{code} 红色督办", "{code} reached red"),
    "recurrence": ("{code} 反弹", "{code} recurred"),
    "too_many": ("{month} 发现 {n} 个问题（超过 {most} 个）", "{month}: {n} findings (more than {most})"),
}
TIERS: dict[str, tuple[str, str]] = {
    "advanced": ("先进", "advanced"),
    "middle": ("中间", "middle"),
    "lagging": ("后进", "lagging"),
}


def colour_label(colour: str, language: str = "zh") -> str:
    """The colour's name ("" for none)."""
    c = COLOURS.get(colour)
    return "" if c is None else (c.zh if language == "zh" else c.en)


def slip(colour: str, language: str = "zh") -> str:
    """The colour slip in words ("红色督办", "red slip"; "" for none): marks and emoji need a
    font that a supervisor's screen may lack."""
    c = COLOURS.get(colour)
    if c is None:
        return ""
    return f"{c.zh}色督办" if language == "zh" else f"{c.en} slip"


def label(table: dict[str, tuple[str, str]], key: str, language: str = "zh") -> str:
    zh, en = table[key]
    return zh if language == "zh" else en


# The zones a Chinese bureau may be configured with that people call Beijing time.
BEIJING = ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC")


def zone_name(zone: str, language: str = "zh") -> str:
    """How a time's zone reads beside it (北京时间 / Beijing time; else the zone's own name)."""
    if zone in BEIJING:
        return "北京时间" if language == "zh" else "Beijing time"
    return zone
