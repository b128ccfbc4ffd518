"""Refusals a user can cause, named by field, in Chinese first (English available)."""

from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "unknown_unit": ("未知单位：{value}", "unknown unit: {value}"),
    "unknown_manifestation": ("负面清单中没有此项：{value}", "not on the negative list: {value}"),
    "unknown_person": ("未知人员：{value}", "unknown person: {value}"),
    "inactive_person": ("人员已停用：{value}", "person is inactive: {value}"),
    "unknown_code": ("未找到整改事项：{value}", "no such item: {value}"),
    "unknown_class": (
        "整改类别须为 immediate / limited / long：{value}",
        "deadline class must be immediate, limited or long: {value}",
    ),
    "required": ("不能为空", "is required"),
    "too_long": ("过长（最多 {limit} 字）", "is too long (at most {limit} characters)"),
    "bad_date": ("日期格式应为 YYYY-MM-DD：{value}", "date must be YYYY-MM-DD: {value}"),
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
    "same_owner": ("新责任人与原责任人相同：{value}", "new owner is the current owner: {value}"),
    "no_owner": (
        "单位 {value} 没有支部书记，请用 --owner 指定责任人",
        "unit {value} has no secretary; name an owner with --owner",
    ),
    "file_missing": ("文件不存在：{value}", "file not found: {value}"),
    "file_too_large": (
        "文件过大（上限 {limit} 字节）：{value}", "file too large (limit {limit} bytes): {value}",
    ),
    "bad_file": ("{field} 内容有误：{detail}", "{field} is malformed: {detail}"),
    "chain_broken": ("审计链在第 {value} 条记录处断裂", "audit chain broken at event {value}"),
}


class RuleError(Exception):
    """A refusal: nothing was changed. `field` names the input at fault."""

    def __init__(self, key: str, *, field: str = "", **params: Any) -> None:
        self.key = key
        self.field = field
        self.params = params
        super().__init__(self.render("en"))

    def render(self, language: str = "zh") -> str:
        zh, en = MESSAGES[self.key]
        text = (zh if language == "zh" else en).format(field=self.field, **self.params)
        if self.field and self.key != "bad_file":
            return f"{self.field}: {text}"
        return text

MESSAGES.update({
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
})

MESSAGES.update({
    "not_xlsx": ("不是有效的 Excel（.xlsx）文件：{value}", "not a valid Excel (.xlsx) file: {value}"),
    "no_header": (
        "{value}：找不到表头（需要列：单位、具体表现、问题、督察员）",
        "{value}: no header row found (needs columns unit, manifestation, title, inspector)",
    ),
    "too_many_rows": ("表格过大：{value} 行，上限 {limit} 行", "sheet too large: {value} rows, limit {limit}"),
    "empty_sheet": ("表格中没有数据行：{value}", "the sheet has no data rows: {value}"),
})

MESSAGES.update({
    "bad_month": ("月份格式应为 YYYY-MM：{value}", "month must be YYYY-MM: {value}"),
    "round_short": (
        "单位 {value} 可派的督察员不足 {limit} 人（督察员不得检查本单位）",
        "fewer than {limit} inspectors may inspect unit {value} (never their own unit)",
    ),
    "no_round": ("{value} 尚未开始督察", "no inspection round for {value}"),
})

MESSAGES.update({
    "round_closed": ("{value} 督察已结束，不能再录入结果", "the {value} round is closed: no more results"),
    "no_result_column": (
        "{value}：督察清单需要“结果”列（合格 / 不合格）", "{value}: a round checklist needs a 结果 (result) column",
    ),
})
