"""An administrator's authenticator, as the tests hold it: the key the operator's command
printed, and the next code it shows (a code works once, so two sign-ins within one 30-second
step take the next step's code, which the portal accepts for clock drift)."""

import re
import time

import pyotp

_last: dict[str, int] = {}
KEY = re.compile(r"(?:key|密钥)[:：]\s*([A-Z2-7]{16,})")


def key_in(printed: str) -> str:
    found = KEY.search(printed)
    assert found, printed
    return found.group(1)


def next_code(seed: str) -> str:
    step = max(int(time.time()) // 30, _last.get(seed, 0) + 1)
    assert step <= int(time.time()) // 30 + 1, "more than two admin sign-ins within one 30-second step"
    _last[seed] = step
    return pyotp.TOTP(seed).at(step * 30)
