"""Loading the organisation (units, people, roles) with the negative list, all or nothing."""

from pathlib import Path

from models.orgfile import OrgSummary
from services import context as ctx
from services.rulebook import load_negative_list, load_org
from store.db import transaction


def load(path: Path) -> OrgSummary:
    with transaction(ctx.ledger()) as session:
        load_negative_list(session, path=ctx.settings().negative_list_file)
        return load_org(session, path=path)
