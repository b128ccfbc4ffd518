"""What a case run shows in the Prefect UI's runs list for where its item stands: a name and
tags saying the stage (待整改 …) and the colour slip (红色督办), in words."""

from messages.labels import COLOURS, STAGES, label, slip
from models.ledger.views import ItemView

COLOUR_TAGS = ("overdue", "level-1", "level-2", "level-3")
STAGE_TAGS = tuple(zh for zh, _ in STAGES.values())
SLIP_TAGS = tuple(slip(c) for c in COLOURS)


def colour_tags(view: ItemView) -> list[str]:
    """The tags that let the Prefect UI filter runs by colour: overdue, level-N, and the slip
    in words (红色督办)."""
    tags = ["overdue"] if view.overdue else []
    if view.escalation_level:
        tags.append(f"level-{view.escalation_level}")
    if view.colour:
        tags.append(slip(view.colour))
    return tags


def run_tags(view: ItemView) -> list[str]:
    """The tags a case run carries for where its item stands: stage and colour."""
    return [label(STAGES, view.stage), *colour_tags(view)]


def run_name(view: ItemView) -> str:
    """What the runs list shows: code, unit, stage and the colour slip, in words."""
    parts = [f"{view.code} {view.unit}", label(STAGES, view.stage)]
    if view.parent:  # 分解: the family shows in the runs list
        parts.insert(1, f"分解自 {view.parent}")
    if view.colour and view.state.is_open:
        parts.append(slip(view.colour))
    return " · ".join(parts)

# The tags these functions own: replaced on every pass, dropped from a run that was replaced.
MANAGED_TAGS = frozenset({*COLOUR_TAGS, *STAGE_TAGS, *SLIP_TAGS})
REPLACED = ("已替换", "replaced")
