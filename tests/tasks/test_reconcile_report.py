"""What a reconcile run says it did (tasks/reconcile.py): the runs it woke that were about to
read the ledger anyway, or still busy, are not counted as fixed; an idle run is one that
fixed nothing and sent or lost no mail."""

from notifications.delivery import DeliveryReport
from tasks.reconcile import ReconcileReport


def test_pending_and_busy_wakes_are_not_fixes():
    report = ReconcileReport({"started": [], "replaced": ["ZG-1"], "pending": ["ZG-2"], "busy": ["ZG-3"]},
                             mail=DeliveryReport())
    assert report.fixed == {"replaced": ["ZG-1"]} and report.acted
    assert report.counts() == {"started": 0, "replaced": 1, "pending": 1, "busy": 1}


def test_a_run_that_only_sent_mail_acted_and_an_empty_one_is_idle():
    assert ReconcileReport({"started": []}, mail=DeliveryReport(sent=["k"])).acted
    assert ReconcileReport({"started": []}, mail=DeliveryReport(retry=["k"])).acted is False
    idle = ReconcileReport({"started": [], "busy": ["ZG-3"]}, mail=DeliveryReport())
    assert not idle.acted and idle.summary() == {"started": 0, "busy": 1, "mail": {"sent": 0, "retry": 0, "failed": 0},
                                                 "fixed": {}, "tidied": 0}
