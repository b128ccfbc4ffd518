"""分解 from the command line, as its people see it in their mail: a part's evidence goes to
someone who may accept it, and the parent's owner hears "all parts done" when the command
that closed the last part ends, not whenever other mail happens to go."""

import json

from tests.mail import read_mail, wait_for_mail
from tests.stack import Stack

INSPECTOR, SECRETARY, CHEN = "zhou.jing@example.org", "gao.peng@example.org", "chen.xiaoyu@example.org"


def test_a_part_is_verified_by_who_may_accept_it_and_the_parent_owner_hears_at_once(stack: Stack):
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "推诿扯皮",
                     "--class", "limited", "--as", INSPECTOR).split()[0]
    stack.step(code)  # the case run assigns it to the branch secretary
    due = json.loads(stack.cli("show", code, "--json"))["due_on"]
    wait_for_mail(stack.sink, 1)
    # The secretary, owner of the item, splits off a part for 办公室党支部.
    part = stack.cli("split", code, "--as", SECRETARY, "--part", f"zb-bangongshi:{CHEN}:{due}:整理台账").split()[0]
    wait_for_mail(stack.sink, 2)
    stack.cli("submit", part, "--as", CHEN, "--note", "台账已整理")
    # B3: the 【待验收】 mail goes to the inspector who filed the item (who may accept it), not to
    # the secretary who filed the part.
    [asked] = [m for m in wait_for_mail(stack.sink, 3)[2:]]
    assert asked["To"] == INSPECTOR and asked["Subject"].startswith("【待验收】"), asked["Subject"]
    stack.cli("review", part, "--accept", "--as", INSPECTOR)
    # B4: the parent owner's 【可提交】 mail went with the command that closed the last part.
    got = read_mail(stack.sink.folder)
    told = [m for m in got if ":parts_done:" in m["X-Rectiflow-Key"]]
    assert [(m["To"], m["X-Rectiflow-Key"].split(":")[0]) for m in told] == [(SECRETARY, code)], [
        (m["To"], m["Subject"]) for m in got]
