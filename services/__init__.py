"""One function per use case, called by every way in (CLI, portal, flows' tasks, demo).

Each does its transaction, then starts or wakes the case runs it concerns, then sends what
must go now, and returns a typed result (a frozen dataclass). Where a flow runs a use case,
its steps are separate functions, so that each is one task with one effect:

    filing.file_finding        立项: one finding (CLI, portal form); the Prefect UI's form
                               files by record_finding, then the case run starts
    filing.import_sheet        a spreadsheet of findings (CLI)
    filing.record_checklist    a round's checklist, from a sheet or the portal's form
    items.act                  one lifecycle command on an item (CLI); the portal answers after
                               items.apply and wakes the run (items.wake) after its answer
    items.reassign_all         every open item of a departed owner (CLI)
    splitting.split_item       分解: an item into sub-items, with their case runs (CLI; the item
                               page: split_now, then start_parts after its answer)
    absences.declare / .end    委托: an absence with a delegate, or ending it (CLI, /me/absence)
    messengers.set_my_channel  a person's own messenger channel, or removing it (/me/channels)
    access.send_sign_in        the sign-in mail (portal)
    access.sign_in             following the sign-in link (portal)
    access.send_fresh_link     a new link for an expired one (portal)
    jobs.sweep_day             the deadline sweep of a moment (CLI; the flow: decide_sweep,
                               then the digests sent)
    jobs.open_month_round      the monthly round (CLI; the flow: decide_round, then the mail)
    jobs.notice_month          the monthly notice, and publishing it (CLI; the flow:
                               notices.build_notice, notices.publish_notice, then the mail)
    jobs.job_moment            the moment a job acts for, as it entered (flows, CLI)
    organisation.load          the organisation file (CLI, demo)
    demo.load_demo             the demo organisation and its sample findings (CLI, stack)
    mail.send_now / mail.retry the outbox, now

`case_runs` is the glue between the ledger and Prefect (start, wake, repair runs);
`context` gives every use case its settings, the database, policy and clock.
"""
