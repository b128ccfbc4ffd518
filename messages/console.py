"""What the CLI says to the people who use it, (Chinese, English), by key: printed in
RECTIFLOW_LANGUAGE, one language per line, never both. `{name}` fields are filled by the command.
(Operator commands that start and check processes, `up`, `check`, `rehearse`, speak English.)"""

CONSOLE: dict[str, tuple[str, str]] = {
    "person_exported": ("{email} 的个人信息已导出至 {path}", "the personal data of {email} is in {path}"),
    # the audit trail for the discipline inspection group
    "audit_exported": ("审计记录已导出并签名：{n} 条事件，至 {folder}。\n"
                       "在任何装有 Python 与 cryptography 的电脑上核验：\n"
                       "  python3 {folder}/verify.py {folder} --key {public}",
                       "audit trail exported and signed: {n} events, in {folder}.\n"
                       "Verify it on any computer with Python and cryptography:\n"
                       "  python3 {folder}/verify.py {folder} --key {public}"),
    "secrets_rotated": ("已用当前密钥重新加密 {n} 项机密；审计链已按新密钥重新锚定：{anchored}",
                        "{n} secrets re-sealed under the current key; audit chain re-anchored under it: {anchored}"),
    "secrets_remove_previous": ("旧密钥签发的链接与会话在其设置期间仍然有效；待其到期后（RECTIFLOW_LINK_DAYS 天）"
                                "删除 RECTIFLOW_PREVIOUS_SECRET_KEY 并重启各进程。",
                                "links and sessions signed by the old secret keep working while it is set; once they "
                                "have expired (RECTIFLOW_LINK_DAYS), remove RECTIFLOW_PREVIOUS_SECRET_KEY and restart "
                                "every process."),
    "second_factor_enrolled": ("已为 {email} 登记第二重验证。请当面交其添加到身份验证器（仅显示这一次）：\n"
                               "  密钥：{seed}\n  {uri}",
                               "second factor enrolled for {email}. Have them add it to their authenticator app, "
                               "in person (shown this once):\n  key: {seed}\n  {uri}"),
    "break_glass": ("应急登录链接（一次有效，仅显示在此；使用将记入登录记录，仍须第二重验证）：\n{link}",
                    "break-glass sign-in link (works once, shown only here; its use is recorded, and the second "
                    "factor is still asked):\n{link}"),
    "sessions_title": ("当前有效的会话", "sessions that hold now"),
    "col_ref": ("编号", "ref"),
    "col_email": ("邮箱", "e-mail"),
    "col_name": ("姓名", "name"),
    "col_method": ("方式", "method"),
    "col_address": ("地址", "address"),
    "col_started": ("开始", "started"),
    "col_last_seen": ("最近活动", "last seen"),
    "sessions_ended": ("已结束 {n} 个会话", "{n} session(s) ended"),
    "pruned": ("已删除 {days} 天以前的访问记录：登录记录 {attempts} 条，会话 {sessions} 个，已用链接 {tokens} 个；"
               "已清空 {mails} 封已送达邮件的正文（记录保留）。审计链不删减。",
               "access records older than {days} days removed: {attempts} sign-in records, {sessions} sessions, "
               "{tokens} used links; the text of {mails} delivered mails emptied (their record kept). The audit "
               "chain is never pruned."),
    "forgotten": ("已删除离职人员的个人信息（人员编号 {id}）：通道 {channels} 个，邮件 {mails} 封，"
                  "登录记录 {sign_ins} 条；审计链中的记录按审计需要保留",
                  "a departed person's data erased (person #{id}): {channels} channels, {mails} mails, {sign_ins} "
                  "sign-in records; the audit chain keeps what the audit needs"),
    "backup_made": ("已备份至 {folder}（{seconds:.1f} 秒）：{items} 个事项，{events} 条审计事件，{files} 个文件。"
                    "部署密钥不在备份中，请另行保管。",
                    "backed up to {folder} in {seconds:.1f} s: {items} items, {events} audit events, {files} files. "
                    "The deployment secret is not in the backup: keep it apart."),
    "backup_verified": ("备份完好：{events} 条审计事件链完整并已锚定，{items} 个事项与其历史一致，"
                        "{files} 个佐证文件哈希相符",
                        "the backup is sound: {events} audit events intact and anchored, {items} items agree with "
                        "their history, {files} evidence files match their hashes"),
    "restored": ("已恢复（{seconds:.1f} 秒）：{items} 个事项，{events} 条审计事件，{files} 个文件，截至备份时刻 {at}；"
                 "此后的变更不在其中。运行 rectiflow reconcile 为未办结事项补建流程。",
                 "restored in {seconds:.1f} s: {items} items, {events} audit events, {files} files, as at the "
                 "backup ({at}); what changed after it is not there. Run `rectiflow reconcile` to give open items "
                 "their runs."),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "audit_key": ("审计导出的公钥（请交纪检组另行留存，用于核验每次导出）：\n{public}",
                  "the public key of audit exports (give it to the discipline inspection group once, apart from any "
                  "bundle):\n{public}"),
    # filing and acting
    "recorded_prefect_away": ("已记入台账；流程服务暂不可达，稍后由 reconcile 自动补发。",
                              "recorded; Prefect is unreachable, reconcile catches the run up later."),
    "filed_prefect_away": ("已立项；流程服务暂不可达，案件流程稍后由 reconcile 启动。",
                           "filed; Prefect is unreachable, reconcile starts its case run later."),
    "parts_prefect_away": ("流程服务暂不可达，子事项的案件流程稍后由 reconcile 启动。",
                           "Prefect is unreachable: reconcile starts the parts' case runs later."),
    "extension_waits": ("延期申请待审批，由{deciders}决定", "extension request waiting for {deciders}"),
    "or": ("或", " or "),
    "absence_recorded": ("已登记委托", "absence recorded"),
    "absence_ended": ("委托已结束", "absence ended"),
    # sheets
    "bad_rows": ("{file} / {sheet}：{n} 行有误", "{file} / {sheet}: {n} bad rows"),
    "row": ("行", "row"),
    "problems": ("问题", "problems"),
    "already_imported": ("{n} 行已导入过，跳过：", "{n} rows already imported, skipped: "),
    "nothing_filed": ("未导入任何事项；请修改有误的行，或用 --skip-bad 只导入无误的行",
                      "nothing filed; fix the rows or use --skip-bad"),
    "template_written": ("模板已写入：{path}", "template written: {path}"),
    "dry_run": ("试运行：{n} 项可导入，未作任何更改", "dry run: {n} would be filed, nothing changed"),
    "filed_and_assigned": ("{n} 项已立项并交办", "{n} filed and assigned"),
    "results_recorded": ("{month}：{results} 条结果已录入，{filed} 项问题立项；本月无问题单位：{clean}",
                         "{month}: {results} results recorded, {filed} findings filed; clean units: {clean}"),
    "mail_report": ("邮件：{report}", "mail: {report}"),
    "runs_started": ("已启动案件流程：{n}", "case runs started: {n}"),
    "exported": ("{n} 项 → {path}", "{n} items → {path}"),
    # jobs and mail
    "not_a_working_day": ("{day}：非工作日，不提醒不督办", "{day}: not a working day: nothing to do"),
    "swept": ("{day}：提醒 {reminders}，督办 {escalations}，逾期 {overdue}，汇总邮件 {digests}（顺延 {deferred}）",
              "{day}: reminders {reminders}, escalations {escalations}, overdue {overdue}, digests {digests} "
              "(deferred {deferred})"),
    "prefect_away": ("流程服务不可达（{where}）：案件流程待其恢复后由 reconcile 修复；邮件：{report}",
                     "Prefect is unreachable at {where}: case runs are repaired once it is back; mail: {report}"),
    "no_mail_waiting": ("没有待重发或失败的邮件", "no mail waiting or failed"),
    "queued_again": ("{n} 封重新排队；邮件：{report}", "{n} queued again; mail: {report}"),
    "history_says": ("{code}：{field} = {row}，记录显示 {events}",
                     "{code}: {field} = {row}, its history says {events}"),
    "working_day": ("{day}：工作日", "{day}: working day"),
    "holiday": ("{day}：休息日", "{day}: holiday"),
    "clock_at": ("{moment}（{days} 天后）", "{moment} ({days} days ahead)"),
    # mail list
    "mail_line": ("尝试 {attempts} · 下次 {next}", "attempts {attempts} · next {next}"),
    "col_item": ("事项", "item"),
    "col_status": ("状态", "status"),
    "col_to": ("收件人", "to"),
    "col_template": ("模板", "template"),
    "col_attempts": ("尝试", "attempts"),
    "col_next": ("下次（{zone}）", "next ({zone})"),
    "col_error": ("错误", "error"),
    # the notice
    "no_notice": ("{month}：尚无通报", "{month}: no notice yet"),
    "notice_draft": ("草稿", "draft"),
    "notice_published": ("已发布", "published"),
    "notice_figures": ("  发现 {found}  销号 {closed}（按期 {on_time}）  逾期 {overdue}  红色 {red}  "
                       "达标率 {rate}% / 目标 {target}%",
                       "  found {found}  closed {closed} ({on_time} on time)  overdue {overdue}  red {red}  "
                       "compliance {rate}% / target {target}%"),
    "notice_mailed": ("  已发送 {n} 位收件人", "  mailed to {n} recipients"),
    # compliance
    "compliance_year": ("{year} 达标率", "{year} compliance"),
    "compliance_month": ("{month} 达标率 {rate}% / 目标 {target}% {mark}", "{month} compliance {rate}% / target "
                         "{target}% {mark}"),
    "col_month": ("月份", "month"),
    "col_rate": ("达标率", "rate"),
    "col_target": ("目标", "target"),
    "col_met": ("达标", "met"),
    "col_branch": ("支部", "branch"),
    "col_score": ("得分", "score"),
    "col_grade": ("等次", "grade"),
    "col_reason": ("原因", "reason"),
}
