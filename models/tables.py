"""Every ledger table, imported in one place so the metadata is complete."""

from models.access.attempts import SignInAttempt
from models.access.second_factor import SecondFactor
from models.access.sessions import PortalSession
from models.audit.chain import ChainHead, Event
from models.catalogue import Group, Manifestation
from models.deadlines.alerts import Alert
from models.deadlines.calendar import CalendarOverride
from models.deadlines.escalation import Escalation
from models.instance import LedgerInstance
from models.items.codes import CodeCounter
from models.items.evidence import Evidence, EvidenceFile, Review
from models.items.extension import Extension
from models.items.finding import Finding
from models.links import SpentToken
from models.notices.notice import Notice
from models.outbox import Notification
from models.people.org import Membership, Person, Unit
from models.rounds.round import Round, RoundAssignment, RoundResult

__all__ = [
    "Alert", "CalendarOverride", "ChainHead", "CodeCounter", "Escalation", "Event", "Evidence", "EvidenceFile",
    "Extension", "Finding", "Group", "LedgerInstance", "Manifestation", "Membership", "Notice", "Notification",
    "Person", "PortalSession", "Review", "Round", "RoundAssignment", "RoundResult", "SecondFactor", "SignInAttempt",
    "SpentToken", "Unit",
]
