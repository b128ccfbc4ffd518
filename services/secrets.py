"""Secrets at rest: sealing a value for the environment file (an OIDC client secret), and
rotating the deployment's secret: everything sealed re-sealed under the new one, the audit
chain re-anchored, while links and sessions signed under the old one keep working until the
operator removes it (deploy/SECURITY.md says the steps)."""

from dataclasses import dataclass

from messages import RuleError
from models.audit.chain import reanchor_chain
from models.links import anchor_key
from models.sealed import seal, unseal
from services import context as ctx
from services.opening import seal_stored, sealing_keys, secret
from store.db import forget_plain_text, transaction

SETTING_PURPOSE = "setting"  # what a sealed value in rectiflow.env is bound to


@dataclass(frozen=True)
class Rotation:
    resealed: int
    reanchored: bool
    previous_set: bool


def seal_setting(value: str) -> str:
    """A setting's value sealed under the deployment's secret (e.g. RECTIFLOW_OIDC_CLIENT_SECRET),
    so the environment file holds no secret another machine's copy could use without the key."""
    if not value or len(value) > 4096:
        raise RuleError("bad_field", field="value", value=f"{len(value)} characters", detail="1–4096 characters")
    return seal(value, purpose=SETTING_PURPOSE, keys=sealing_keys(ctx.settings()))


def open_setting(value: str) -> str:
    """A setting as given, or opened if it was sealed by `rectiflow secrets seal`."""
    return unseal(value, purpose=SETTING_PURPOSE, keys=sealing_keys(ctx.settings()))


def rotate() -> Rotation:
    """Re-seal every secret under the current deployment secret and re-anchor the audit chain
    under it (verified whole under the previous one first). Run with RECTIFLOW_SECRET_KEY the
    new secret and RECTIFLOW_PREVIOUS_SECRET_KEY the old; running it again changes nothing."""
    settings = ctx.settings()
    engine = ctx.database()
    with transaction(engine) as session:
        resealed = seal_stored(session, settings)
        reanchored = bool(settings.previous_secret_key) and reanchor_chain(
            session, old_key=anchor_key(settings.previous_secret_key), new_key=anchor_key(secret(settings)))
    forget_plain_text(engine)
    return Rotation(resealed, reanchored, bool(settings.previous_secret_key))
