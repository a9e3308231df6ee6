"""Who works at the demo hall and how it works: staff, handlers, teams, printers, opening hours,
how often each business type comes and how often materials are deferred or already on file."""

from __future__ import annotations

DEFAULT_PASSWORD = "Demo1234"
HISTORY_DAYS = 90
DEMO_HALL = {
    "code": "FZGL01",
    "name": "国网福州供电公司鼓楼供电营业厅",
    "address": "福州市鼓楼区湖东路263号",
    "phone": "0591-87161234",
    "supervision_phone": "0591-87165598",
}
# username, name, role, window
STAFF = (
    ("clerk1", "林晓燕", "clerk", 1),
    ("clerk2", "陈志强", "clerk", 2),
    ("clerk3", "黄丽娟", "clerk", 3),
    ("clerk4", "郑伟", "clerk", 4),
    ("back1", "吴建华", "backoffice", None),
    ("super1", "赵敏", "supervisor", None),
    ("admin1", "刘洋", "admin", None),
)
# relative frequency of business types at a city hall
TYPE_WEIGHTS = {
    "lv_res_new": 30, "lv_res_increase": 12, "lv_biz_new": 12, "lv_biz_increase": 6, "hv_new": 4,
    "hv_increase": 3, "rename": 8, "transfer": 8, "close": 4, "reclass": 3, "reduce": 3, "suspend": 4,
    "resume": 3,
}
STAGE_HANDLERS = {
    "survey": ("城区勘查一班 李建国", "城区勘查二班 陈立新", "郊区勘查班 黄德明"),
    "plan_reply": ("客户经理 吴建华", "客户经理 林海", "客户经理 陈思琪"),
    "design_review": ("设计审核组 王工", "设计审核组 郑工"),
    "mid_check": ("中间检查组 刘工", "中间检查组 杨工"),
    "completion_check": ("竣工检验组 许工", "竣工检验组 蔡工"),
    "connect": ("装表接电班 何志勇", "装表接电班 邱晓东", "装表接电班 罗文斌"),
    "review": ("业务审核岗 苏丽", "业务审核岗 叶青"),
    "settle": ("电费核算班 方敏", "电费核算班 卢晓丽"),
    "archive": ("资料室 游静",),
}
SURVEY_TEAMS_URBAN = ("城区勘查一班", "城区勘查二班")
SURVEY_TEAM_RURAL = "郊区勘查班"
SURVEY_TEAM_HV = "高压客户经理班"
GREEN_REASONS = (
    "省重点建设项目", "市重点招商引资项目", "民生保障工程（保障性住房）", "新能源汽车充电基础设施项目",
    "重点产业园区配套项目", "防汛抗旱应急保障项目",
)
GREEN_MANAGERS = ("吴建华", "林海", "陈思琪")
TERMINATION_REASONS = (
    "客户申请撤销用电申请", "现场不具备供电条件，经与客户沟通同意终止", "客户超过30日未配合现场勘查",
    "客户改变用电计划，申请撤回",
)
OVERDUE_REASON = "容缺资料逾期未补交，经营业厅主任审核终止办理"
REMARKS = ("", "", "", "", "", "", "客户要求上午勘查", "请提前电话联系", "小区物业已同意施工", "老人独居，请耐心沟通")
# line remarks a receiver writes when confirming a batch (handover.REMARKS)
LINE_REMARKS = (("缺件", "缺少产权证明复印件第2页，已电话通知客户补交"), ("缺件", "身份证复印件未签字，已退窗口补签"),
                ("退回", "申请表客户签名处漏签，退回窗口补签后重新移交"))
PRINTERS = {1: "HP LaserJet Pro M404dn（1号窗口）", 2: "HP LaserJet Pro M404dn（2号窗口）",
            3: "Brother HL-5595DN（3号窗口）", 4: "Lenovo LJ2605D（4号窗口）"}
DEFER_SHARE = {"low_residential": 0.35, "low_non_residential": 0.3, "high_voltage": 0.4, "change": 0.25}
REUSE_SHARE = {"low_residential": 0.12, "low_non_residential": 0.2, "high_voltage": 0.25, "change": 0.3}
RECENT_PRINT_DAYS = 10  # print records are kept for the acceptances of the last working days

AM = (8 * 3600 + 30 * 60, 12 * 3600)
PM = (14 * 3600 + 30 * 60, 17 * 3600 + 30 * 60)
ACCEPT_PERIODS = (AM, (PM[0], 17 * 3600))  # handover batches are made from 17:05
OPEN_PERIODS = (AM, PM)
