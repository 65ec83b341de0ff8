"""``HOME/exports/hr/README_HR.md``: what HR receives, in Chinese with an English section, written
beside the exports when a run publishes (and rewritten when its content changes, e.g. after a new
rule version: the grade → 系数 table is rendered from the rules the warehouse was built with, the
rules file (``core.vocabulary.declared_rule_versions``), never written here by hand)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from core.config import Settings
from core.home import share
from core.vocabulary import declared_rule_versions, load_vocabulary
from expectations.marts import grade_coefficients

TEMPLATE = """# 先锋指数 绩效挂钩文件说明（HR）

本目录由先锋指数流水线自动生成，供人力资源部门按月读取。

## 文件

- `YYYY-MM/pioneer_index_YYYY-MM_vN.csv`：月份 YYYY-MM 的第 N 版（UTF-8，逗号分隔，首行为列名）。
- `YYYY-MM/pioneer_index_YYYY-MM_vN.manifest.json`：该版本的清单（行数、sha256、所用规则版本、
  替代的版本、变动的工号、KPI 缺失的工号、申诉未决的工号）。清单出现时，该版本才算发布完成。

## 列

| 列 | 含义 |
|---|---|
| `employee_no` | 工号 |
| `period` | 月份 YYYY-MM |
| `pioneer_index` | 先锋指数，0–100，两位小数 |
| `grade` | 等级：{grades} |
| `performance_coefficient` | 绩效系数（由等级决定，见下表） |
| `rule_version` | 计分所用的规则版本 |
| `export_version` | 版本号 N（与文件名相同） |

## 等级 → 绩效系数（按规则版本）

{coefficients}

## 版本

- 每月在导出日发布 `v1`；此后如有迟到的数据或核准的申诉改变了某人的结果，会发布 `v2`、`v3`……
  （只在有变化时），直到 M+3 的导出日为止。
- **始终使用该月编号最大的版本。** 旧版本不会被改写或删除；清单中的 `supersedes` 和
  `changed_employee_nos` 说明新版本替代了哪一版、改变了哪些人。
- `kpi_missing_employee_nos`：该月没有 KPI 的人员，绩效维度按 0 计，补报后会出新版本；
  `appeals_open_employee_nos`：该月申诉尚未处理完的人员。这两类人员的工资行建议暂缓结算。

## For HR (English)

One CSV per month and version, `YYYY-MM/pioneer_index_YYYY-MM_vN.csv` (UTF-8, comma-separated,
header row), published with its manifest (`.manifest.json`: row count, sha256, rule version,
`supersedes`, `changed_employee_nos`, `kpi_missing_employee_nos`, `appeals_open_employee_nos`);
a version exists once its manifest does. Columns: `employee_no`, `period`, `pioneer_index`
(0–100, two decimals), `grade`, `performance_coefficient` (from the grade, table above),
`rule_version`, `export_version`. `v1` is published on the export day; a later version only when a
row changed (late data, an accepted appeal), up to the export day of M+3. **Always use the
highest vN of a month.** Members listed in `kpi_missing_employee_nos` or
`appeals_open_employee_nos` may still change: hold their pay lines until a later version or
the end of the restatement window.
"""


def render(con: duckdb.DuckDBPyConnection) -> str:
    """The README for the rules the warehouse was built with (every version of its rules file,
    oldest first, also one not in force yet)."""
    grades = load_vocabulary().grade_codes
    header = "| 规则版本 | 生效日 | " + " | ".join(grades) + " |"
    rows = [
        f"| {v.rule_version} | {v.effective_from} | "
        + " | ".join(f"{coef:.2f}" for _, coef in grade_coefficients(v))
        + " |"
        for v in declared_rule_versions(con)
    ]
    table = "\n".join([header, "|" + "---|" * (len(grades) + 2), *rows])
    return TEMPLATE.format(grades="、".join(f"`{g}`" for g in grades), coefficients=table)


def write_readme(settings: Settings, con: duckdb.DuckDBPyConnection) -> Path | None:
    """Write ``README_HR.md`` beside the exports when there are exports and it is missing or
    different (readable by the export group like the exports); returns its path when written."""
    folder = settings.layout.hr
    if not folder.is_dir():
        return None
    path, text = settings.layout.hr_readme, render(con)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return None
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    share(temporary, settings.export_group, 0o640)
    os.replace(temporary, path)
    return path
