"""Every message a person may be told when something is refused, in one catalogue: Chinese
first, English available. Keys are stable; `{field}`, `{value}`, `{limit}` and the like are
filled in by the refusal that names them."""

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "unknown_unit": ("未知单位：{value}", "unknown unit: {value}"),
    "unknown_manifestation": ("负面清单中没有此项：{value}", "not on the negative list: {value}"),
    "unknown_person": ("未知人员：{value}", "unknown person: {value}"),
    "inactive_person": ("人员已停用：{value}", "person is inactive: {value}"),
    "unknown_code": ("未找到整改事项：{value}", "no such item: {value}"),
    "unknown_class": (
        "整改类别须为 立行立改 / 限期整改 / 长期整改：{value}",
        "deadline class must be immediate, limited or long-term (立行立改 / 限期整改 / 长期整改): {value}",
    ),
    "unknown_unit_near": ("未知单位：{value}（相近的有：{near}）", "unknown unit: {value} (nearest: {near})"),
    "ambiguous": ("“{value}”可指多个：{near}（请写全称或代码）",
                  "“{value}” fits several: {near} (give the full name or code)"),
    "not_in_unit": ("{unit}没有名为“{value}”的人员（可填写邮箱）",
                    "{unit} has nobody named “{value}” (give the e-mail)"),
    "required": ("不能为空", "is required"),
    "may_not_file": ("{value} 无立项权限", "{value} may not file findings"),
    "no_secretary_row": ("单位 {value} 没有支部书记，请填写责任人", "unit {value} has no secretary: name an owner"),
    "duplicate_row": ("与第 {value} 行重复", "duplicate of row {value}"),
    "pass_or_fail": ("请填写 合格 / 不合格：{value}", "fill in pass or fail: {value}"),
    "too_long": ("过长（最多 {limit} 字）", "is too long (at most {limit} characters)"),
    "bad_date": ("日期格式应为 YYYY-MM-DD：{value}", "date must be YYYY-MM-DD: {value}"),
    "bad_moment": (
        "时间格式应为 YYYY-MM-DDTHH:MM，可带时区（如 2026-11-27T09:00+08:00）：{value}",
        "a date-time is expected, YYYY-MM-DDTHH:MM with an optional zone (e.g. 2026-11-27T09:00+08:00): {value}",
    ),
    "exclusive": ("二者只能选其一", "these exclude each other: give one"),
    "date_in_past": ("日期须晚于今天：{value}", "date must be after today: {value}"),
    "forbidden": (
        "{actor} 无权执行“{command}”（需要：{need}）",
        "{actor} may not {command} this item (needs: {need})",
    ),
    "bad_state": (
        "事项 {code} 当前为“{state}”，不能{command}",
        "item {code} is {state}; cannot {command}",
    ),
    "same_person": (
        "验收人不能是责任人本人（职责分离）",
        "the verifier must not be the owner (separation of duties)",
    ),
    "bad_channel": (
        "消息渠道填写有误：{value}（应为 {detail}）", "not a valid messenger channel: {value} (expected {detail})",
    ),
    "webhook_host": (
        "Webhook 地址的主机 {value} 不在允许范围内（RECTIFLOW_WEBHOOK_HOSTS：{detail}）",
        "webhook host {value} is not allowed (RECTIFLOW_WEBHOOK_HOSTS: {detail})",
    ),
    "absence_forbidden": (
        "只有本人或机关党委、管理员可以办理 {value} 的委托",
        "only the person, a supervisor or an admin may do this for {value}",
    ),
    "absence_past": ("委托不能从过去的日期开始：{value}", "an absence cannot start in the past: {value}"),
    "absence_span": (
        "委托期限有误：{value}（结束不早于开始，最长 {limit} 天）",
        "bad absence dates: {value} (end on or after the start, at most {limit} days)",
    ),
    "absence_self": ("不能委托给本人：{value}", "a person cannot stand in for themself: {value}"),
    "absence_self_delegate": (
        "为他人办理委托时不能指定自己为受托人：{value}（请本人办理，或指定其他人）",
        "declaring an absence for someone else, you cannot name yourself the delegate: {value} "
        "(the person may, or name someone else)",
    ),
    "absence_delegate_unit": (
        "受托人 {value} 须为本单位或上一级单位人员",
        "the delegate {value} must be from the same unit or the one above",
    ),
    "absence_overlap": ("{value} 在这段时间已有委托", "{value} is already away for part of this time"),
    "absence_chain": (
        "受托人 {value} 在这段时间本人外出或另有委托，请另选",
        "the delegate {value} is away or stands in for someone else then; choose another",
    ),
    "absence_missing": ("没有编号为 {value} 的委托", "no absence {value}"),
    "absence_over": ("委托 {value} 已结束", "absence {value} is already over"),
    "split_twice": (
        "{value} 本身是分解出的子事项，不能再分解",
        "{value} is a sub-item already; it cannot be split again",
    ),
    "split_parts": ("请填写 1 至 {limit} 个子事项", "give 1 to {limit} sub-items"),
    "split_due": (
        "子事项期限 {value} 不能晚于原事项期限 {limit}",
        "a sub-item's due date {value} is after the item's {limit}",
    ),
    "bad_part": (
        "子事项格式应为 单位:责任人邮箱:期限:标题，收到：{value}",
        "a part is UNIT:OWNER:YYYY-MM-DD:TITLE, got: {value}",
    ),
    "parts_open": ("以下子事项尚未办结或撤销：{value}", "these sub-items are still open: {value}"),
    "already_acknowledged": ("此事项已于 {value} 签收", "this item was acknowledged at {value}"),
    "same_owner": ("新责任人与原责任人相同：{value}", "new owner is the current owner: {value}"),
    "no_owner": (
        "单位 {value} 没有支部书记，请用 --owner 指定责任人",
        "unit {value} has no secretary; name an owner with --owner",
    ),
    "file_missing": ("文件不存在：{value}", "file not found: {value}"),
    "bad_id": ("编号有误：{value}（须为正整数）", "not a valid number: {value} (a positive whole number)"),
    "file_too_large": (
        "文件过大（上限 {limit} 字节）：{value}", "file too large (limit {limit} bytes): {value}",
    ),
    "bad_file": ("{field} 内容有误：{detail}", "{field} is malformed: {detail}"),
    "chain_broken": ("审计链在第 {value} 条记录处断裂", "audit chain broken at event {value}"),
    # errors
    "extension_late": (
        "须在整改期限（{value}）之前申请延期", "an extension must be requested before the due date ({value})",
    ),
    "extension_not_later": (
        "新期限须晚于当前期限 {value}", "the new date must be later than the current due date {value}",
    ),
    "extension_pending": (
        "已有待审批的延期申请（至 {value}）", "an extension request is already pending (to {value})",
    ),
    "no_extension": ("没有待审批的延期申请", "no extension request is pending"),
    "folder_not_empty": ("目录已存在且不为空，未写入任何内容：{value}",
                         "the folder exists and is not empty; nothing was written: {value}"),
    # errors
    "not_xlsx": ("不是有效的 Excel（.xlsx）文件：{value}", "not a valid Excel (.xlsx) file: {value}"),
    "no_header": (
        "{value}：找不到表头（需要列：单位、具体表现、问题、督察员）",
        "{value}: no header row found (needs columns unit, manifestation, title, inspector)",
    ),
    "too_many_rows": ("表格过大：{value} 行，上限 {limit} 行", "sheet too large: {value} rows, limit {limit}"),
    "empty_sheet": ("表格中没有数据行：{value}", "the sheet has no data rows: {value}"),
    # errors
    "bad_month": ("月份格式应为 YYYY-MM：{value}", "month must be YYYY-MM: {value}"),
    "round_short": (
        "单位 {value} 可派的督察员不足 {limit} 人（督察员不得检查本单位）",
        "fewer than {limit} inspectors may inspect unit {value} (never their own unit)",
    ),
    "no_round": ("{value} 尚未开始督察", "no inspection round for {value}"),
    # errors
    "round_closed": ("{value} 督察已结束，不能再录入结果", "the {value} round is closed: no more results"),
    "no_result_column": (
        "{value}：督察清单需要“结果”列（合格 / 不合格）", "{value}: a round checklist needs a 结果 (result) column",
    ),
    # text
    "control_char": (
        "含有不可见的控制字符（{value}），请删除后重试",
        "contains an invisible control character ({value}); remove it and try again",
    ),
    "line_break": ("不能换行（单行文本）", "must be one line (no line breaks)"),
    # schema
    "schema_behind": (
        "台账数据库版本为 {value}，本程序需要 {limit}：请先运行 rectiflow db upgrade",
        "the ledger's schema is at {value}, this version needs {limit}: run `rectiflow db upgrade` first",
    ),
    "schema_ahead": (
        "台账数据库版本 {value} 比本程序（{limit}）新：请升级 rectiflow",
        "the ledger's schema {value} is newer than this version ({limit}): upgrade rectiflow",
    ),
    # lifecycle
    "own_request": (
        "不能审核自己提交的整改材料或延期申请（职责分离）",
        "you may not decide evidence or an extension you submitted yourself (separation of duties)",
    ),
    # links
    "unknown_identity": ("身份认证通过，但本系统的组织名册中没有与之对应的在岗人员（{value}）。"
                         "请联系机关党委的系统管理员核对名册。",
                         "your identity was confirmed, but no active person in this system's organisation file "
                         "matches it ({value}). Ask the administrator to check the organisation file."),
    "identity_down": ("{value} 暂时无法访问，请稍后再试；管理员可使用应急登录（rectiflow admin sign-in）。",
                      "{value} cannot be reached now: try again later (an administrator can use the break-glass "
                      "sign-in, `rectiflow admin sign-in`)."),
    "identity_refused": ("{value} 未完成认证：{detail}", "{value} did not confirm who you are: {detail}"),
    "bad_password": ("用户名或密码不正确", "wrong user name or password"),
    "still_active": ("{value} 仍在岗（组织名册中为在岗）：请先在名册中标记 active: false 并重新导入",
                     "{value} is still active: mark them `active: false` in the organisation file and load it first"),
    "still_owns": ("{value} 仍负责未办结事项：{detail}（请先改派）",
                   "{value} still owns open items: {detail} (reassign them first)"),
    "still_delegate": ("{value} 仍在代他人办理（委托未结束）",
                       "{value} still stands in for someone (an absence not over)"),
    "backup_tool": ("备份工具出错：{value}", "the backup tool failed: {value}"),
    "backup_damaged": ("备份已损坏或不完整：{value}（与清单中的哈希不符或缺失）",
                       "the backup is damaged or incomplete: {value} (missing, or not what its manifest says)"),
    "backup_other_secret": ("此备份属于另一个部署密钥（密钥标识 {value}）："
                            "请先将当时的 RECTIFLOW_SECRET_KEY 配置好再恢复",
                            "this backup was made under another deployment secret (key id {value}): set that "
                            "RECTIFLOW_SECRET_KEY before restoring"),
    "restore_not_empty": ("恢复只写入空的位置，{value} 已有数据（未做任何改动）",
                          "a restore writes only into an empty place, and {value} holds data (nothing was changed)"),
    "retention_too_short": ("审计记录至少保存 {limit} 天，不能只保留 {value} 天",
                            "access records are kept at least {limit} days, not {value}"),
    "signin_locked": ("登录失败次数过多，已暂时锁定，请于 {value} 后再试",
                      "too many failed sign-ins: locked until {value}"),
    "bad_session_ref": ("没有与 {value} 唯一对应的有效会话（请用 rectiflow admin sessions 列出的编号）",
                        "no single live session matches {value} (use a reference `rectiflow admin sessions` lists)"),
    "not_admin": ("{value} 不是系统管理员", "{value} is not an administrator"),
    "second_factor_missing": ("管理员登录须使用第二重验证（动态口令），{value} 尚未登记；请系统运维人员执行 "
                              "rectiflow admin second-factor {value} 后再登录（此链接未使用，仍可再用）",
                              "an administrator signs in with a second factor (a one-time code), and {value} has none "
                              "yet: ask the operator to run `rectiflow admin second-factor {value}`, then use this "
                              "link again (it was not used)"),
    "bad_second_factor": ("动态口令不正确或已使用过", "that code is wrong or was used already"),
    "second_factor_expired": ("验证超时，请重新登录", "this sign-in took too long: please sign in again"),
    "link_invalid": ("链接无效（可能被修改或不完整）", "this link is not valid (altered or incomplete)"),
    "link_expired": ("链接已于 {value} 过期", "this link expired on {value}"),
    "link_used": ("链接已使用过（{value}，{what}）", "this link has already been used ({value}, {what})"),
    "link_scope": ("此链接不适用于 {value}", "this link is not for {value}"),
    # dates
    "date_too_far": (
        "日期须在 {first} 至 {last} 之间：{value}", "date must be between {first} and {last}: {value}",
    ),
    # filetypes
    "file_type": (
        "不支持的文件类型：{value}（可上传图片、PDF、Office 文档或纯文本）",
        "file type not accepted: {value} (images, PDF, Office documents or plain text)",
    ),
    "file_mismatch": ("文件内容与扩展名不符：{value}", "the file's content does not match its extension: {value}"),
    "file_name": ("文件名无效：{value}", "invalid file name: {value}"),
    "file_empty": ("文件为空：{value}", "the file is empty: {value}"),
    "file_macro": (
        "文件含有宏或控件，不能作为佐证材料：{value}（请另存为不含宏的文档）",
        "the file contains macros or controls: {value} (save it without macros)",
    ),
    "file_archive": (
        "文件内部结构异常（解压后过大或条目过多）：{value}",
        "the file's inner structure is suspicious (too large when unpacked, or too many parts): {value}",
    ),
    "clock_not_embedded": (
        "只有本机演示环境（rectiflow up）的时钟可以调整；正式部署使用服务器时钟",
        "only the embedded demo stack's clock can move (rectiflow up); a deployment keeps the machine's clock",
    ),
    # notice
    "notice_published": (
        "{value} 的通报已于 {when} 发布，不能再修改",
        "the notice for {value} was published on {when} and cannot change",
    ),
    "no_notice": ("{value} 还没有通报草稿，请先生成", "no draft notice for {value}: build it first"),
    "month_ahead": ("{value} 尚未开始，不能生成通报", "{value} has not begun: no notice yet"),
    "notice_early": (
        "{value} 尚未结束，{day} 起方可发布通报（现在可以生成草稿核对）",
        "{value} has not ended: its notice can be published from {day} (a draft may be built now)",
    ),
    "notice_round_open": (
        "{value} 的督察轮次尚未结束，请先结束轮次再发布通报（rectiflow round close {value}）",
        "the round of {value} is still open: close it before publishing (rectiflow round close {value})",
    ),
    # sheet_file
    "sheet_too_big": (
        "表格文件过大：{value}（上限 {limit} MiB，解压后上限 {unpacked} MiB）",
        "the sheet is too large: {value} (limit {limit} MiB, {unpacked} MiB unpacked)",
    ),
    "sheet_xml": (
        "表格文件内容异常（含有 DOCTYPE / ENTITY 声明），请用 Excel 另存后重试：{value}",
        "the sheet's XML declares a DOCTYPE or entities; save it again from Excel: {value}",
    ),
    # security
    "link_revoked": (
        "此链接已失效：您已不再负责此事项（或委托已结束），或账号已停用",
        "this link no longer works: the item is no longer yours (or the absence you stood in for is over), "
        "or your account is inactive",
    ),
}
