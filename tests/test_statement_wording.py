"""The statement's words for each kind of ledger row (pioneer/analysts/statement.py ``rule_text``): the rule
it applies with the constants of its rules version, for the rows that take points away (veto,
caps, clamp), accepted appeals (id, component, decider, date, reason) and both learning bases."""

import csv

import pytest

from core.rules import SHIPPED_RULES
from pioneer.analysts.statement import rule_text

with SHIPPED_RULES.open(encoding="utf-8", newline="") as f:
    (V1,) = list(csv.DictReader(f))


@pytest.mark.parametrize(
    ("component", "points", "detail", "words"),
    [
        ("veto", -78.5, "veto", "经批准的一票否决事项：当月指数清零，等级为后进，调整 -78.5（规则 v1）"),
        ("bonus_cap", -3, "bonus capped at 20", "加分每月至多 20，超出部分 -3（规则 v1）"),
        ("deduction_cap", 2, "deductions capped at 20", "扣分每月至多 20，超出部分 +2（规则 v1）"),
        ("course_cap", -2, "course bonus capped at 5.00", "课程加分每月至多 5，超出部分 -2（规则 v1）"),
        (
            "service_bonus_cap",
            -1.5,
            "service bonus capped at 4.00",
            "服务时长加分每月至多 4，超出部分 -1.5（规则 v1）",
        ),
        ("clamp", -4.25, "clamped", "指数限定在 0–100 之间，调整 -4.25（规则 v1）"),
        (
            "appeal",
            5.5,
            "appeal APX1 (performance) accepted by 党建办张敏 on 2026-11-05: KPI 录入错误",
            "申诉 APX1（业绩贡献）经 党建办张敏 于 2026-11-05 核准：KPI 录入错误，更正 +5.5（不受加分、扣分封顶限制；规则 v1）",
        ),
        (
            "appeal",
            -2,
            "appeal AP7 (other) accepted",
            "申诉 AP7（其他）核准，更正 -2（不受加分、扣分封顶限制；规则 v1）",
        ),
        (
            "learning",
            10,
            "150.00 points of target 300.00 (points basis)",
            "学习教育 20 × min(学习积分 150 / 目标 300, 1) = 10（目标 = 300 × 在册天数 / 当月天数；规则 v1）",
        ),
        (
            "learning",
            10,
            "1 courses completed of target 2 (courses basis; 450.00 daily points not scored)",
            "学习教育 20 × min(完成课程 1 门 / 目标 2 门, 1) = 10（按完成课程计分，平台积分 450 不计分；规则 v1）",
        ),
    ],
)
def test_rule_words(component, points, detail, words):
    assert rule_text(component, points, detail, V1) == words
