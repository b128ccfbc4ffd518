"""One function per use case, called by every way in (CLI, portal, flows' tasks, demo).

Each does its transaction, then starts or wakes the case runs it concerns, then sends what
must go now, and returns a typed result:

    filing.file_finding        立项: one finding (CLI, portal form, Prefect UI form)
    filing.import_sheet        a spreadsheet of findings (CLI)
    filing.record_checklist    a round's checklist, from a sheet or the portal's form
    items.act                  one lifecycle command on an item (CLI, item link, staff page)
    items.reassign_all         every open item of a departed owner (CLI)
    splitting.split_item       分解: an item into sub-items, with their case runs (CLI, item page)
    absences.declare / .end    委托: an absence with a delegate, or ending it (CLI, /me/absence)
    messengers.set_my_channel  a person's own messenger channel, or removing it (/me/channels)
    access.send_sign_in        the sign-in mail (portal)
    access.sign_in             following the sign-in link (portal)
    access.send_fresh_link     a new link for an expired one (portal)
    jobs.sweep_day             the deadline sweep of a moment (flow, CLI)
    jobs.open_month_round      the monthly round (flow, CLI)
    jobs.build_notice          the monthly notice, and publishing it (flow, CLI)
    organisation.load          the organisation file (CLI, demo)
    demo.load_demo             the demo organisation and its sample findings (CLI, stack)
    mail.send_now / mail.retry the outbox, now

`case_runs` is the glue between the ledger and Prefect (start, wake, repair runs);
`context` gives every use case its settings, ledger, policy and clock.
"""
