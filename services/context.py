"""What every use case needs: the settings, the ledger, the rule policy, the secret and the
clock, each defined once (the CLI, the portal and the flows' tasks all take them here)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from models.catalogue import DeadlineClass
from models.deadlines.escalation import DeadlinePolicy
from models.links import Signer, signer_for
from models.policy import Policy
from services.opening import database_for
from services.opening import secret as secret_of
from services.rulebook import load_deadline_policy
from store import clock
from store.settings import Settings, get_settings


def settings() -> Settings:
    return get_settings()


def database() -> Engine:
    return database_for(settings())


def secret() -> str:
    return secret_of(settings())


def signer() -> Signer:
    return signer_for(secret(), settings().previous_secret_key)


def deadlines(s: Settings | None = None) -> DeadlinePolicy:
    return load_deadline_policy((s or settings()).escalation_file)


def policy(s: Settings | None = None) -> Policy:
    """The rule parameters, from settings (models/ never reads settings itself)."""
    s = s or settings()
    return Policy(
        timezone=s.timezone, language=s.language,
        days={DeadlineClass.immediate: s.days_immediate, DeadlineClass.limited: s.days_limited,
              DeadlineClass.long: s.days_long},
        recurrence_months=s.recurrence_months, due_window_days=s.due_window_days,
        level_colours={lv.level: lv.colour for lv in deadlines(s).levels},
    )


def now() -> datetime:
    """The moment every rule is told: the machine's clock, or on the embedded demo stack a
    later one every process of it agrees on (`rectiflow clock ahead`)."""
    s = settings()
    return datetime.now(UTC) + (clock.shift(s.data_dir) if s.embedded else timedelta(0))
