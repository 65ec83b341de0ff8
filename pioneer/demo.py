"""Deterministic demo organisation: a landing directory in the exact form of the client's extracts.

:func:`generate` writes roster snapshots, meeting-system JSONL (三会一课, video attendance,
service records), learning-platform exports, KPI and admin items of a seeded fake
organisation; by default the client's: 511 party members in 33 branches of 7 departments.
It includes what real extracts have: corrections, tombstones, re-exported days, a
duplicated file and a handful of malformed rows in the latest files.
Scored under the shipped rules, every month about 10 % of its members reach 90 (PIONEER), a few
percent fall under 60 (LAGGING) and the rest are QUALIFIED or WARNING.
Same arguments, same bytes: only ``random.Random`` / ``numpy`` generators seeded from
``seed`` are used, and the wall clock only for the default ``end``.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import json
import random
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import numpy as np

from core.config import SHANGHAI
from core.vocabulary import load_vocabulary

CLIENT_MEMBERS = 511  # the client's organisation; every other count scales with members / 511
PARTY = load_vocabulary().party_statuses  # 预备党员, 正式党员: the statuses that make an active day
LEARNERS = ("candidate", "probationary", "full")  # who studies on the learning platform
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
UTC_OFFSET = dt.timedelta(hours=8)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建亮成志红玉萍婷雪琳晨"
)
PHONE_PREFIXES = [str(p) for p in (*range(130, 140), *range(150, 160), *range(180, 190), 177, 199)]
UNKNOWN_PHONE = "19000000000"  # prefix 190 is never issued above
UNKNOWN_EMPLOYEE = "SG0000000"  # roster employee numbers start at SG1000000
DEPARTMENT_NAMES = (
    "运维检修部",
    "营销服务部",
    "调度控制中心",
    "建设部",
    "物资供应中心",
    "财务资产部",
    "综合服务中心",
)
# a meeting's title names its type (vocabulary seed meeting_type); an `other` meeting is a seminar
MEETING_TITLES = load_vocabulary().meeting_type_names | {"other": "专题学习研讨"}
LEAVE_REASONS = ("出差", "病假", "值班抢修", "年休假", "家中有事")
SERVICE_ACTIVITIES = ("上门服务", "社区用电检查", "防汛值守", "保供电", "义务宣讲")
COURSE_TOPICS = ("新时代党的建设", "党章党规", "安全生产责任", "能源安全新战略", "基层党组织工作", "廉洁从业")
HONOURS = ("获评优秀共产党员", "抢修保电表现突出", "获公司先进个人", "志愿服务表彰")
FAULTS = ("违反考勤纪律", "未按期交纳党费", "学习任务未完成")
VETO_REASONS = ("违反廉洁纪律受到处分",)
ADMINS = ("党建办张敏", "党建办刘洋", "党建办陈静")
ID_FIELDS = {
    "meetings": "meeting_id",
    "attendance": "record_id",
    "leaves": "leave_id",
    "service-records": "record_id",
}
ROSTER_HEADER = "member_id,employee_no,name,gender,phone,branch_id,party_group,status,status_since\n"
BRANCHES_HEADER = "branch_id,branch_name,department_id,department_name\n"
POINTS_HEADER = "姓名,手机号,日期,当日积分,累计积分\n"
COURSES_HEADER = "姓名,手机号,课程编号,课程名称,类型,日期\n"
KPI_HEADER = "employee_no,period,kpi_score,rating,updated_at\n"
ADMIN_HEADER = "item_id,employee_no,month,kind,points,reason,approved_by,approved_at,status\n"
APPEAL_HEADER = (
    "appeal_id,employee_no,month,component,points,reason,status,decided_by,decided_at,updated_at\n"
)
# what members appeal about, the points an acceptance grants and the office's grounds
APPEAL_CASES = (
    ("org_life", ("2", "3", "5"), "视频参会未计入出勤"),
    ("learning", ("1", "1.5", "2"), "学习积分未同步"),
    ("performance", ("2", "4"), "绩效考核结果更正"),
    ("pioneer_role", ("1", "2"), "志愿服务时长漏记"),
    ("deduction", ("1", "2"), "扣分事项已撤销"),
)
EXPORT_ENCODINGS = ("gb18030", "utf-8-sig", "utf-8")  # the learning platform's exports vary
EXPORT_DAYS = 7  # a learning export covers a week, plus the previous export's last day again


def generate(
    out: Path,
    members: int = 511,
    months: int = 13,
    end: str | None = None,
    seed: int = 1,
    pilot: int = 0,
    open_until: int | None = None,
) -> dict:
    """Write the landing directory of a demo organisation under ``out`` and return its counts.

    Activity covers the ``months`` complete months before ``end`` (``YYYY-MM``, default:
    :func:`default_end`); the roster starts the day before the first of them. ``pilot`` > 0 also
    writes ``out/pilot_rules.csv`` (:func:`write_pilot_rules`). ``open_until`` (a day of ``end``)
    also writes ``end``'s meetings through that day, as registered by the next day, when the
    extracts are taken: the open month, partly done (default: through yesterday when ``end``
    is defaulted to this month, else none).
    """
    if members < 20 or months < 1:
        raise ValueError("members must be at least 20 and months at least 1")
    if pilot < 0 or (pilot and months < 2):
        raise ValueError("a pilot needs at least 2 months: its own and the rollout's")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: the demo organisation needs a fresh directory")
    if end is None:
        now = dt.datetime.now(SHANGHAI)
        end = default_end(now)
        if open_until is None and end == f"{now:%Y-%m}":
            open_until = (now - DAY).day
    end_month = dt.date(int(end[:4]), int(end[5:7]), 1)
    if open_until is not None and not 1 <= open_until <= month_end(end_month).day:
        raise ValueError(f"open_until must be a day of {end}, got {open_until}")
    org = Organisation.build(random.Random(seed), members, activity_months(end, months))
    org.open_until = open_until
    departments = len({branch.department_id for branch in org.branches})
    if pilot >= departments:
        raise ValueError(f"--pilot {pilot}: the organisation has only {departments} departments")
    counts, malformed = org.counts(), 0
    for written in (
        write_roster(out / "roster", org),
        MeetingSystem(org, random.Random(f"{seed}/meeting")).write(out / "meeting"),
        write_learning(out / "learning", org, np.random.default_rng([seed, 3])),
        write_kpi(out / "performance", org, random.Random(f"{seed}/performance")),
        write_admin_items(out / "admin", org, random.Random(f"{seed}/admin")),
        write_appeals(out / "appeals", org, random.Random(f"{seed}/appeals")),
    ):
        malformed += written.pop("malformed", 0)
        counts |= written
    if pilot:
        counts |= write_pilot_rules(out / "pilot_rules.csv", org, pilot)
    return counts | {"malformed": malformed}


def write_pilot_rules(path: Path, org: Organisation, pilot: int) -> dict:
    """A rules file for a pilot and its rollout (docs/scoring.md, "Rule versions, pilot scope"): the
    shipped ``v1`` paying only the first ``pilot`` departments, then ``v2`` paying everyone from the
    middle month of the activity on; every other constant as shipped."""
    import csv

    from core.rules import SHIPPED_RULES

    departments = sorted({branch.department_id for branch in org.branches})
    with SHIPPED_RULES.open(encoding="utf-8", newline="") as f:
        (shipped,) = list(csv.DictReader(f))
    rollout = org.months[len(org.months) // 2]
    versions = [
        shipped | {"hr_scope": "|".join(departments[:pilot])},
        shipped | {"rule_version": "v2", "effective_from": f"{rollout:%Y-%m-%d}", "hr_scope": "all"},
    ]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(shipped), lineterminator="\n")
        writer.writeheader()
        writer.writerows(versions)
    return {"pilot_departments": pilot, "rollout": f"{rollout:%Y-%m}"}


def default_end(now: dt.datetime) -> str:
    """The latest ``end`` whose extracts are all stamped before ``now``: this month from its
    extract cut-off (day 5, ``Organisation.extract_cutoff``) on, else the month before, so that a
    run with the real clock never meets a record from the future (which ingest quarantines)."""
    this_month = now.date().replace(day=1)
    cutoff = dt.datetime.combine(this_month + 4 * DAY, dt.time(), SHANGHAI)
    return f"{this_month:%Y-%m}" if now >= cutoff else f"{this_month - DAY:%Y-%m}"


def activity_months(end: str, months: int) -> list[dt.date]:
    """First days of the ``months`` months before ``end`` (``YYYY-MM``), oldest first."""
    year, month = (int(part) for part in end.split("-"))
    last = year * 12 + month - 1
    return [dt.date(i // 12, i % 12 + 1, 1) for i in range(last - months, last)]


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def next_month(month: dt.date) -> dt.date:
    return month_end(month) + DAY


def stamp(local: dt.datetime, utc: bool) -> str:
    """ISO 8601 of a Shanghai wall-clock time, as ``+08:00`` or as its UTC equivalent ``Z``."""
    return (local - UTC_OFFSET).isoformat() + "Z" if utc else local.isoformat() + "+08:00"


def write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))


# --------------------------------------------------------------------------- organisation


class Branch(NamedTuple):
    id: str
    name: str
    department_id: str
    department_name: str


class State(NamedTuple):
    """A person's roster attributes from one snapshot on."""

    branch_id: str
    party_group: str
    status: str
    status_since: dt.date
    phone: str


@dataclass
class Person:
    member_id: str
    employee_no: str
    name: str
    gender: str
    phone: str
    history: list[tuple[dt.date, State | None]]  # (first snapshot showing it, state); None = not listed


@dataclass
class RosterView:
    """The roster in effect on a day: the latest snapshot on or before it."""

    states: list[State | None]

    @cached_property
    def branch_members(self) -> dict[str, list[int]]:
        return self._members_by(lambda state: state.branch_id)

    @cached_property
    def group_members(self) -> dict[str, list[int]]:
        return self._members_by(lambda state: state.party_group)

    @cached_property
    def branch_groups(self) -> dict[str, list[str]]:
        """The 党小组 of each branch: distinct non-empty groups of its party members."""
        groups: dict[str, list[str]] = {}
        for group in sorted(self.group_members):
            groups.setdefault(group.rsplit("-G", 1)[0], []).append(group)
        return groups

    @cached_property
    def learners(self) -> np.ndarray:
        return np.array([i for i, s in enumerate(self.states) if s and s.status in LEARNERS], dtype=np.int64)

    def employees(self) -> list[int]:
        return [i for i, s in enumerate(self.states) if s and s.status != "inactive"]

    def _members_by(self, key) -> dict[str, list[int]]:
        members: dict[str, list[int]] = {}
        for i, state in enumerate(self.states):
            if state and state.status in PARTY and key(state):
                members.setdefault(key(state), []).append(i)
        return members


@dataclass
class Organisation:
    members: int
    months: list[dt.date]
    branches: list[Branch]
    people: list[Person]
    snapshot_dates: list[dt.date]
    deliveries: list[tuple[dt.date, int, int]]  # (date, lecturer, course) of each 授课
    courses: list[tuple[str, str]]  # (课程编号, 课程名称); the first len(lectured) are lectured
    commando: dict[int, int]  # person -> commando team (突击队)
    hospitals: dict[int, str]  # person -> red-grid hospital (红色网格)
    exemplary: frozenset[int]  # 先锋 candidates: full attendance, study, KPI, service and honours
    views: dict[int, RosterView] = field(default_factory=dict)
    open_until: int | None = None  # day of ``end`` through which its (open) month's meetings are written

    def scaled(self, client_count: int) -> int:
        return scaled(client_count, self.members)

    @property
    def extract_cutoff(self) -> dt.datetime:
        """Everything is stamped before the export day of the last month (day 5 of ``end``), so a
        run on that day sees complete extracts; with ``open_until``, before the day after it when
        that is later (the extracts are taken then)."""
        end = next_month(self.months[-1])
        day = max(5, self.open_until + 1) if self.open_until else 5
        return dt.datetime.combine(end.replace(day=day), dt.time(), SHANGHAI)

    @classmethod
    def build(cls, rng: random.Random, members: int, months: list[dt.date]) -> Organisation:
        n_branches = max(1, round(members / 15.5))
        n_departments = max(1, round(n_branches / 4.7))
        branches = make_branches(n_branches, n_departments)
        first = months[0] - DAY
        regular = sorted({m.replace(day=d) for m in months for d in (1, 16)} | {month_end(months[-1])})
        change_dates = [d for d in regular if d > months[0]]
        plan = StatusPlan(rng, members, first, change_dates, months)
        people = plan.people(branches)
        snapshot_dates = sorted({first, *regular, *(d for p in people for d, _ in p.history)})

        full_members = [i for i in plan.stable_full if i not in plan.special]  # no changes of their own
        lecturers = full_members[: scaled(15, members)]
        n_courses = scaled(25, members)
        width = max(3, len(str(2 * n_courses)))
        courses = [
            (
                f"KC{k + 1:0{width}d}",
                f"{COURSE_TOPICS[k % len(COURSE_TOPICS)]}（第{k // len(COURSE_TOPICS) + 1}讲）",
            )
            for k in range(2 * n_courses)
        ]
        days = (month_end(months[-1]) - months[0]).days + 1
        deliveries = sorted(
            (months[0] + rng.randrange(days) * DAY, lecturers[k % len(lecturers)], k)
            for k in range(n_courses)
            for _ in range(rng.randint(1, 3))
        )
        volunteers = rng.sample(full_members, min(len(full_members), 8 * scaled(3, members)))
        commando = {person: k % scaled(3, members) for k, person in enumerate(volunteers)}
        n_hospitals = scaled(26, members)
        width = max(2, len(str(n_hospitals)))
        grid = rng.sample(full_members, min(len(full_members), 3 * n_hospitals))
        hospitals = {person: f"HOSP{k % n_hospitals + 1:0{width}d}" for k, person in enumerate(grid)}
        # about 14 % are exemplary; honoured in three months of four, they score 90 and more (PIONEER)
        exemplary = frozenset(rng.sample(full_members, min(len(full_members), scaled(76, members))))
        return cls(
            members,
            months,
            branches,
            people,
            snapshot_dates,
            deliveries,
            courses,
            commando,
            hospitals,
            exemplary,
        )

    @cached_property
    def snapshots(self) -> list[list[State | None]]:
        """Each snapshot date's states, in person order."""
        changes = sorted(
            ((d, i, state) for i, p in enumerate(self.people) for d, state in p.history),
            key=lambda change: change[0],
        )
        current: list[State | None] = [None] * len(self.people)
        snapshots, k = [], 0
        for date in self.snapshot_dates:
            while k < len(changes) and changes[k][0] <= date:
                _, i, current[i] = changes[k]
                k += 1
            snapshots.append(current.copy())
        return snapshots

    def view_on(self, day: dt.date) -> RosterView:
        k = bisect.bisect_right(self.snapshot_dates, day) - 1
        if k not in self.views:
            self.views[k] = RosterView(self.snapshots[k])
        return self.views[k]

    def counts(self) -> dict:
        latest = self.snapshots[-1]
        statuses = [s.status for s in latest if s]
        lectured = {course for _, _, course in self.deliveries}
        return {
            "members": sum(status in PARTY for status in statuses),
            **{f"{status}s": statuses.count(status) for status in ("applicant", "activist", "candidate")},
            "inactive": statuses.count("inactive"),
            "branches": len(self.branches),
            "departments": len({b.department_id for b in self.branches}),
            "party_groups": len({s.party_group for s in latest if s and s.party_group}),
            "lecturers": len({lecturer for _, lecturer, _ in self.deliveries}),
            "courses": len(lectured),
            "service_teams": len(self.branches),
            "commando_teams": len(set(self.commando.values())),
            "hospitals": len(set(self.hospitals.values())),
            "months": len(self.months),
            "snapshots": len(self.snapshot_dates),
        }


def scaled(client_count: int, members: int) -> int:
    return max(1, round(client_count * members / CLIENT_MEMBERS))


def make_branches(n_branches: int, n_departments: int) -> list[Branch]:
    b_width, d_width = max(2, len(str(n_branches))), max(2, len(str(n_departments)))
    branches = []
    for b in range(n_branches):
        d = b * n_departments // n_branches
        first_of_department = -(-d * n_branches // n_departments)
        base = DEPARTMENT_NAMES[d % len(DEPARTMENT_NAMES)]
        department = base if d < len(DEPARTMENT_NAMES) else f"{base}{d // len(DEPARTMENT_NAMES) + 1}"
        branches.append(
            Branch(
                f"B{b + 1:0{b_width}d}",
                f"{department}第{b - first_of_department + 1}党支部",
                f"D{d + 1:0{d_width}d}",
                department,
            )
        )
    return branches


class StatusPlan:
    """Who is what when. The latest snapshot holds exactly ``members`` party members and the
    client's shares of applicants and activists; the way there has joins (on the 25th), promotions
    along applicant → activist → candidate → probationary → full, transfers, leavers, and one
    snapshot in which two people share a phone."""

    PARTY_KINDS = ("full", "joiner", "new_member", "promoted", "probationary", "inactive", "absent")

    def __init__(
        self,
        rng: random.Random,
        members: int,
        first: dt.date,
        change_dates: list[dt.date],
        months: list[dt.date],
    ):
        self.rng, self.first, self.change_dates, self.months = rng, first, change_dates, months
        share = {
            kind: scaled(n, members)
            for kind, n in (
                ("joiner", 3),
                ("new_member", 5),
                ("promoted", 12),
                ("probationary", 8),
                ("inactive", 3),
                ("absent", 2),
                ("applicant", 18),
                ("new_applicant", 5),
                ("activist", 2),
                ("promoted_applicant", 2),
                ("candidate", 2),
            )
        }
        share["full"] = members - sum(share[k] for k in ("joiner", "new_member", "promoted", "probationary"))
        share["new_applicant"] = scaled(23, members) - share["applicant"]  # final applicants: 23 per 511
        share["promoted_applicant"] = scaled(4, members) - share["activist"]  # final activists: 4 per 511
        self.kinds = [kind for kind, n in share.items() for _ in range(n)]
        rng.shuffle(self.kinds)
        self.stable_full = [i for i, kind in enumerate(self.kinds) if kind == "full"]
        special = rng.sample(self.stable_full, scaled(4, members) + 2)
        self.transfers, self.phone_pair = set(special[:-2]), special[-2:]
        self.special = set(special)

    def people(self, branches: list[Branch]) -> list[Person]:
        rng = self.rng
        weights = [rng.uniform(0.6, 1.4) for _ in branches]
        home = [b % len(branches) for b in range(min(3 * len(branches), len(self.kinds)))]
        home += rng.choices(range(len(branches)), weights, k=len(self.kinds) - len(home))
        rng.shuffle(home)
        groups, branch_groups = self.party_groups(branches, home)
        employee_numbers = sorted(rng.sample(range(1_000_000, 9_000_000), len(self.kinds)))
        phone_numbers = rng.sample(range(len(PHONE_PREFIXES) * 10**8), len(self.kinds))
        people = []
        for i, kind in enumerate(self.kinds):
            number = phone_numbers[i]
            phone = f"{PHONE_PREFIXES[number // 10**8]}{number % 10**8:08d}"
            history = self.history(kind, branches[home[i]].id, groups[i], phone)
            if i in self.transfers and len(branches) > 1:
                target = (home[i] + rng.randrange(1, len(branches))) % len(branches)
                moved = history[0][1]._replace(
                    branch_id=branches[target].id, party_group=rng.choice(branch_groups[target] or [""])
                )
                history.append((rng.choice(self.change_dates), moved))
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))
            people.append(
                Person(f"M{i + 1:06d}", f"SG{employee_numbers[i]}", name, rng.choice("MF"), phone, history)
            )
        self.share_phone(people)
        return people

    def party_groups(self, branches: list[Branch], home: list[int]) -> tuple[list[str], list[list[str]]]:
        """党小组 of every future party member: groups of about 7 in branches of 10 or more,
        a few members left outside any group."""
        party: list[list[int]] = [[] for _ in branches]
        for i, kind in enumerate(self.kinds):
            if kind in self.PARTY_KINDS:
                party[home[i]].append(i)
        groups, branch_groups = [""] * len(self.kinds), []
        for branch, members in zip(branches, party, strict=True):
            n_groups = len(members) // 7 if len(members) >= 10 else 0
            branch_groups.append([f"{branch.id}-G{g + 1}" for g in range(n_groups)])
            for k, i in enumerate(members):
                if n_groups and self.rng.random() > 0.04:
                    groups[i] = branch_groups[-1][k % n_groups]
        return groups, branch_groups

    def history(
        self, kind: str, branch_id: str, group: str, phone: str
    ) -> list[tuple[dt.date, State | None]]:
        rng, first = self.rng, self.first
        change = rng.choice(self.change_dates)

        def state(status: str, effective: dt.date, years: tuple[float, float] = (0, 0.03)) -> State:
            since = effective - dt.timedelta(days=round(365 * rng.uniform(*years)))
            return State(branch_id, group if status in PARTY else "", status, since, phone)

        match kind:
            case "full":
                return [(first, state("full", first, (1, 30)))]
            case "probationary":
                return [(first, state("probationary", first, (0, 0.5)))]
            case "joiner":  # transferred in from another company on the 25th
                joined = rng.choice(self.months).replace(day=25)
                return [(first, None), (joined, state("full", joined, (1, 20)))]
            case "new_member":
                return [(first, state("candidate", first, (0.2, 1))), (change, state("probationary", change))]
            case "promoted":
                return [(first, state("probationary", first, (0.2, 0.9))), (change, state("full", change))]
            case "inactive":
                return [(first, state("full", first, (1, 30))), (change, state("inactive", change))]
            case "absent":
                return [(first, state("full", first, (1, 30))), (change, None)]
            case "new_applicant":
                return [(first, None), (change, state("applicant", change))]
            case "promoted_applicant":
                return [(first, state("applicant", first, (0, 2))), (change, state("activist", change))]
            case "candidate":
                return [(first, state("activist", first, (0.5, 2))), (change, state("candidate", change))]
            case _:  # applicant, activist
                return [(first, state(kind, first, (0, 2)))]

    def share_phone(self, people: list[Person]) -> None:
        """One snapshot lists the second person of ``phone_pair`` with the first one's phone."""
        owner, borrower = (people[i] for i in self.phone_pair)
        k = (len(self.change_dates) - 1) // 2
        wrong, fixed = self.change_dates[k], self.change_dates[k + 1]
        state = borrower.history[0][1]
        borrower.history[1:1] = [(wrong, state._replace(phone=owner.phone)), (fixed, state)]


# --------------------------------------------------------------------------- roster


def write_roster(directory: Path, org: Organisation) -> dict:
    """``roster_DATE.csv`` and ``branches_DATE.csv`` for every snapshot date; every third roster with a BOM."""
    branches = BRANCHES_HEADER + "".join(
        f"{b.id},{b.name},{b.department_id},{b.department_name}\n" for b in org.branches
    )
    for k, (date, states) in enumerate(zip(org.snapshot_dates, org.snapshots, strict=True)):
        rows = [
            f"{p.member_id},{p.employee_no},{p.name},{p.gender},{s.phone},{s.branch_id},{s.party_group},"
            f"{s.status},{s.status_since}\n"
            for p, s in zip(org.people, states, strict=True)
            if s
        ]
        write_text(
            directory / f"roster_{date}.csv",
            ROSTER_HEADER + "".join(rows),
            "utf-8-sig" if k % 3 == 1 else "utf-8",
        )
        write_text(directory / f"branches_{date}.csv", branches)
    return {"roster_rows": sum(sum(s is not None for s in states) for states in org.snapshots)}


# --------------------------------------------------------------------------- meeting system


class MeetingSystem:
    """三会一课 registry, video-meeting attendance, leaves and service records: per month and
    entity one ``<entity>_YYYY-MM.jsonl`` and a ``<entity>_YYYY-MM_corrections.jsonl`` holding
    later versions and tombstones of some of its records."""

    def __init__(self, org: Organisation, rng: random.Random):
        self.org, self.rng = org, rng
        # share of required meetings attended: most members rarely miss one, a few (3 %) are
        # disengaged and miss about a third; with a missing KPI or a veto, those few are the LAGGING
        self.diligence = [
            1.0
            if i in org.exemplary
            else rng.uniform(0.55, 0.8)
            if rng.random() < 0.03
            else rng.uniform(0.97, 1.0)
            for i in range(len(org.people))
        ]
        self.service_rate = [
            max(
                rng.choice((2, 2.5, 3, 3.5, 4, 4.5, 5, 6)),  # activities a month, about 2.2 hours each
                1.5 if i in org.commando or i in org.hospitals else 0,
                9 if i in org.exemplary else 0,  # about 20 hours a month: the full service bonus
            )
            for i in range(len(org.people))
        ]
        self.quarter_plan: dict[tuple[str, int, int], tuple[int, int]] = {}
        self.serials: dict[str, int] = {}
        self.last_held: dict | None = None  # the malformed records refer to it
        self.records = dict.fromkeys(ID_FIELDS, 0)

    def write(self, directory: Path) -> dict:
        malformed = 0
        for month in self.org.months:
            self.lines = {entity: [] for entity in ID_FIELDS}
            self.corrections = {entity: [] for entity in ID_FIELDS}
            self.meetings(month)
            self.services(month)
            if month == self.org.months[-1]:
                malformed = self.add_malformed()
            self.write_month(directory, month)
        if self.org.open_until:  # after the complete months: their records stay as they were
            month = next_month(self.org.months[-1])
            self.lines = {entity: [] for entity in ID_FIELDS}
            self.corrections = {entity: [] for entity in ID_FIELDS}
            self.meetings(month, last_day=self.org.open_until)
            self.write_month(directory, month, skip_empty=True)
        return {
            "meetings": self.records["meetings"],
            "attendance": self.records["attendance"],
            "leaves": self.records["leaves"],
            "service_records": self.records["service-records"],
            "malformed": malformed,
        }

    def write_month(self, directory: Path, month: dt.date, skip_empty: bool = False) -> None:
        for entity in ID_FIELDS:
            if skip_empty and not self.lines[entity]:
                continue
            write_text(directory / entity / f"{entity}_{month:%Y-%m}.jsonl", "".join(self.lines[entity]))
            if self.corrections[entity]:
                write_text(
                    directory / entity / f"{entity}_{month:%Y-%m}_corrections.jsonl",
                    "".join(self.corrections[entity]),
                )

    def next_id(self, prefix: str) -> str:
        self.serials[prefix] = self.serials.get(prefix, 0) + 1
        return f"{prefix}{self.serials[prefix]:09d}"

    def emit(self, entity: str, record: dict, later: dict | None = None) -> None:
        """A record in the month's file and, optionally, its later version in the corrections file
        (unless that version comes after the extract was taken)."""
        self.lines[entity].append(json.dumps(record, ensure_ascii=False) + "\n")
        self.records[entity] += 1
        if later and dt.datetime.fromisoformat(later["updated_at"]) < self.org.extract_cutoff:
            self.corrections[entity].append(json.dumps(later, ensure_ascii=False) + "\n")

    def emit_twice(self, entity: str, record: dict, prefix: str, deleted_at: str) -> None:
        """A record entered twice by mistake: the copy is deleted later (a tombstone)."""
        id_field = ID_FIELDS[entity]
        self.emit(entity, record)
        copy = record | {id_field: self.next_id(prefix)}
        self.emit(entity, copy, {id_field: copy[id_field], "updated_at": deleted_at, "deleted": True})

    # 三会一课 -----------------------------------------------------------------

    def meetings(self, month: dt.date, last_day: int = 31) -> None:
        """The month's meetings; through ``last_day`` only, for the open month (``open_until``)."""
        rng = self.rng
        for branch in self.org.branches:
            for kind, group, day, hour, minutes in self.schedule(branch, month):
                if day > last_day:
                    continue
                view = self.org.view_on(month.replace(day=day))
                due = view.group_members.get(group, []) if group else view.branch_members.get(branch.id, [])
                if due:
                    start = dt.datetime(month.year, month.month, day, hour, rng.choice((0, 30)))
                    self.meeting(branch, group, kind, start, start + minutes * MINUTE, due)

    def schedule(self, branch: Branch, month: dt.date) -> list[tuple[str, str, int, int, int]]:
        """(type, party group, day, hour, minutes) of a branch's meetings in a month; some branches lapse."""
        rng = self.rng
        lapsed = rng.random() < 0.04
        plan = [] if lapsed else [("committee", "", rng.randint(1, 10), 9, 90)]
        if not lapsed or rng.random() < 0.5:
            plan.append(("theme_day", "", rng.randint(8, 20), 14, 120))
        groups = self.org.view_on(month.replace(day=15)).branch_groups.get(branch.id, [])
        plan += [
            ("group", g, rng.randint(12, 27), rng.choice((15, 19)), 60) for g in groups if rng.random() > 0.03
        ]
        quarter = (branch.id, month.year, (month.month - 1) // 3)
        if quarter not in self.quarter_plan:
            self.quarter_plan[quarter] = (rng.randrange(3), rng.randrange(3))
        general_month, lecture_month = self.quarter_plan[quarter]
        if (month.month - 1) % 3 == general_month:
            plan.append(("branch_general", "", rng.randint(20, 27), 15, 120))
        if (month.month - 1) % 3 == lecture_month:
            plan.append(("lecture", "", rng.randint(5, 25), 9, 90))
        if rng.random() < 0.1:
            plan.append(("other", "", rng.randint(1, 28), 10, 60))
        return plan

    def meeting(
        self, branch: Branch, group: str, kind: str, start: dt.datetime, end: dt.datetime, due: list[int]
    ) -> None:
        rng = self.rng
        utc = rng.random() < 0.1
        roll = rng.random()
        status = "held" if roll < 0.965 else "cancelled" if roll < 0.99 else "scheduled"
        updated = (
            end + rng.randint(30, 2880) * MINUTE if status == "held" else start - rng.randint(1, 7) * DAY
        )
        corrected = stamp(updated + rng.randint(2, 10) * DAY, utc)
        if updated >= self.org.extract_cutoff.replace(tzinfo=None):
            return  # not registered yet when the extract was taken (the open month's last days)
        record = {
            "meeting_id": self.next_id("MT"),
            "branch_id": branch.id,
            "party_group": group or None,
            "type": kind,
            "title": f"{branch.name}{start.month}月{MEETING_TITLES[kind]}"
            + (f"（{group}）" if group else ""),
            "start_time": stamp(start, utc),
            "end_time": stamp(end, utc),
            "status": status,
            "due_user_ids": [self.org.people[i].employee_no for i in due],
            "updated_at": stamp(updated, utc),
        }
        revision = rng.random()
        if status == "held" and revision < 0.01:  # registered as held only after the fact
            first = record | {"status": "scheduled", "updated_at": stamp(start - 2 * DAY, utc)}
            self.emit("meetings", first, record | {"updated_at": corrected})
        elif revision < 0.02:  # title fixed later
            self.emit(
                "meetings",
                record | {"title": record["title"] + "（草稿）"},
                record | {"updated_at": corrected},
            )
        elif revision < 0.025:
            self.emit_twice("meetings", record, "MT", corrected)
        else:
            self.emit("meetings", record)
        if status == "held":
            self.last_held = record
            for person in due:
                self.presence(record["meeting_id"], person, start, end)

    def presence(self, meeting_id: str, person: int, start: dt.datetime, end: dt.datetime) -> None:
        """A due member's leave (请假), onsite check-in, online segments, or nothing (unexcused absence)."""
        rng = self.rng
        user = self.org.people[person].employee_no
        utc = rng.random() < 0.1
        if person not in self.org.exemplary and rng.random() < 0.04:
            approved = rng.random() < 0.8
            leave = {
                "leave_id": self.next_id("LV"),
                "meeting_id": meeting_id,
                "user_id": user,
                "reason": rng.choice(LEAVE_REASONS),
                "approved": approved,
                "updated_at": stamp(start - rng.randint(60, 4320) * MINUTE, utc),
            }
            revision, decided = rng.random(), stamp(start + rng.randint(1, 3) * DAY, utc)
            if not approved and revision < 0.2:  # approved afterwards
                self.emit("leaves", leave, leave | {"approved": True, "updated_at": decided})
            elif approved and revision < 0.03:  # withdrawn
                self.emit(
                    "leaves", leave, {"leave_id": leave["leave_id"], "updated_at": decided, "deleted": True}
                )
            else:
                self.emit("leaves", leave)
            if approved:
                return
            attends = rng.random() < 0.3
        else:
            attends = rng.random() < self.diligence[person]
        if not attends:
            if rng.random() < 0.01:  # checked in by mistake, deleted later
                check_in = self.attendance(meeting_id, user, "onsite", start, None, start, utc)
                tombstone = {
                    "record_id": check_in["record_id"],
                    "updated_at": stamp(end + DAY, utc),
                    "deleted": True,
                }
                self.emit("attendance", check_in, tombstone)
        elif person in self.org.exemplary or rng.random() < 0.8:
            join = start - rng.randint(0, 15) * MINUTE
            self.emit("attendance", self.attendance(meeting_id, user, "onsite", join, None, join, utc))
        else:
            segments, short = online_segments(rng, start, end)
            for join, leave in segments:
                record = self.attendance(meeting_id, user, "online", join, leave, end + 10 * MINUTE, utc)
                if short and rng.random() < 0.1:  # the platform lost the rest of the session; fixed later
                    self.emit(
                        "attendance",
                        record,
                        record | {"leave_time": stamp(end, utc), "updated_at": stamp(end + 2 * DAY, utc)},
                    )
                else:
                    self.emit("attendance", record)

    def attendance(
        self,
        meeting_id: str,
        user: str,
        mode: str,
        join: dt.datetime,
        leave: dt.datetime | None,
        updated: dt.datetime,
        utc: bool,
    ) -> dict:
        return {
            "record_id": self.next_id("AT"),
            "meeting_id": meeting_id,
            "user_id": user,
            "mode": mode,
            "join_time": stamp(join, utc),
            "leave_time": leave and stamp(leave, utc),
            "updated_at": stamp(updated, utc),
        }

    # service records ----------------------------------------------------------

    def services(self, month: dt.date) -> None:
        """彩虹服务队, 突击队, 红色网格 and volunteer hours; a few heavy volunteers pass 8 hours a month."""
        rng = self.rng
        days = month_end(month).day
        for person, state in enumerate(self.org.view_on(month.replace(day=15)).states):
            if not state or state.status not in PARTY:
                continue
            for _ in range(int(self.service_rate[person] + rng.random())):
                kind, grid_id, team = rng.choice(self.service_options(person, state.branch_id))
                start = dt.datetime(
                    month.year, month.month, rng.randint(1, days), rng.randint(8, 17), rng.choice((0, 30))
                )
                end = start + rng.choice((60, 90, 120, 150, 180, 240)) * MINUTE
                utc = rng.random() < 0.1
                record = {
                    "record_id": self.next_id("SR"),
                    "user_id": self.org.people[person].employee_no,
                    "kind": kind,
                    "grid_id": grid_id,
                    "start_time": stamp(start, utc),
                    "end_time": stamp(end, utc),
                    "verified": rng.random() < 0.9,
                    "description": f"{team}：{rng.choice(SERVICE_ACTIVITIES)}",
                    "updated_at": stamp(end + rng.randint(1, 72) * 60 * MINUTE, utc),
                }
                revision, later = rng.random(), stamp(end + rng.randint(4, 9) * DAY, utc)
                if not record["verified"] and revision < 0.3:  # verified afterwards
                    self.emit("service-records", record, record | {"verified": True, "updated_at": later})
                elif revision < 0.01:
                    self.emit_twice("service-records", record, "SR", later)
                else:
                    self.emit("service-records", record)

    def service_options(self, person: int, branch_id: str) -> list[tuple[str, str | None, str]]:
        options = [("service_team", None, f"彩虹服务队{branch_id}")] * 3 + [("volunteer", None, "志愿服务")]
        if person in self.org.commando:
            options += [("commando", None, f"突击队第{self.org.commando[person] + 1}队")] * 2
        if person in self.org.hospitals:
            hospital = self.org.hospitals[person]
            options += [("red_grid", hospital, f"红色网格{hospital}")] * 2
        return options

    # the mess of real extracts --------------------------------------------------

    def add_malformed(self) -> int:
        """One of each broken record, in the latest month's files, about its last held meeting."""
        held = self.last_held
        member, start, end = held["due_user_ids"][0], held["start_time"], held["end_time"]
        check_in = {
            "record_id": "AT999999001",
            "meeting_id": held["meeting_id"],
            "user_id": member,
            "mode": "onsite",
            "join_time": start,
            "leave_time": None,
            "updated_at": end,
        }
        leave = {
            "leave_id": "LV999999001",
            "meeting_id": held["meeting_id"],
            "user_id": UNKNOWN_EMPLOYEE,
            "reason": "出差",
            "approved": True,
            "updated_at": start,
        }
        broken = {
            "meetings": [held | {"meeting_id": "MT999999002", "type": "研讨会"}],  # bad_enum
            "attendance": [
                check_in | {"join_time": "2026-02-30T14:60:00+08:00"},  # bad_timestamp
                check_in | {"record_id": "AT999999002", "user_id": UNKNOWN_EMPLOYEE},  # unknown_person
                check_in | {"record_id": "AT999999003", "mode": "online"},  # online without leave_time
            ],
            "leaves": [
                leave,  # unknown_person
                {
                    "leave_id": "LV999999002",
                    "meeting_id": held["meeting_id"],
                    "user_id": member,
                    "reason": "出差",
                    "updated_at": start,
                },  # missing_field: approved
            ],
            "service-records": [
                {
                    "record_id": "SR999999001",
                    "user_id": member,
                    "kind": "volunteer",
                    "grid_id": None,
                    "start_time": end,
                    "end_time": start,
                    "verified": True,
                    "description": "志愿服务：义务宣讲",
                    "updated_at": end,
                },  # end_before_start
            ],
        }
        lines = {
            entity: [json.dumps(r, ensure_ascii=False) + "\n" for r in records]
            for entity, records in broken.items()
        }
        lines["meetings"].append('{"meeting_id": "MT999999001", "type": "committee", \n')  # bad_json
        for entity, broken_lines in lines.items():
            self.lines[entity] += broken_lines
        return sum(map(len, lines.values()))


def online_segments(
    rng: random.Random, start: dt.datetime, end: dt.datetime
) -> tuple[list[tuple[dt.datetime, dt.datetime]], bool]:
    """Join–leave segments of one member in a video meeting, and whether they cover under half of it."""
    minutes = (end - start) // MINUTE
    shape = rng.random()
    if shape < 0.6:  # the whole meeting
        return [(start + rng.randint(-5, 3) * MINUTE, end - rng.randint(0, 5) * MINUTE)], False
    if shape < 0.75:  # dropped out and rejoined
        cut = rng.randint(minutes // 4, minutes // 2)
        return [(start, start + cut * MINUTE), (start + (cut + rng.randint(3, 15)) * MINUTE, end)], False
    if shape < 0.83:  # the same segment reported twice
        segment = (start + MINUTE, end - 2 * MINUTE)
        return [segment, segment], False
    if shape < 0.9:  # two devices, overlapping
        return [(start, start + minutes * 6 // 10 * MINUTE), (start + minutes * 4 // 10 * MINUTE, end)], False
    join = start + rng.randint(0, 5) * MINUTE  # left early: under half of the meeting
    return [(join, start + rng.randint(minutes // 6, minutes * 9 // 20) * MINUTE)], True


# --------------------------------------------------------------------------- learning platform


def write_learning(directory: Path, org: Organisation, rng: np.random.Generator) -> dict:
    """Weekly ``points_DATE.csv`` and ``courses_DATE.csv`` exports, dated the day after the last day
    they cover. Each points export repeats the previous export's last day, in which a few members'
    points had been reported before the day was over. Encodings and date styles vary by file."""
    people = org.people
    level = rng.uniform(8, 28, len(people))  # mean points on a day of study
    keenness = rng.uniform(0.55, 1.0, len(people))  # share of days with study
    course_rate = rng.choice([0.0, 0.5, 1, 2, 3, 8], len(people)) / 30  # completions a day
    exemplary = np.array(sorted(org.exemplary), dtype=np.int64)
    level[exemplary], keenness[exemplary], course_rate[exemplary] = 24, 0.97, 10 / 30
    prefix = [f"{p.name},{p.phone}," for p in people]
    cumulative = np.zeros(len(people), np.int64)
    first, last = org.months[0], month_end(org.months[-1])
    days = [first + k * DAY for k in range((last - first).days + 1)]
    deliveries = list(org.deliveries)
    repeated: tuple | None = None  # (day, members, points, totals) of the previous export's last day
    points_rows = course_rows = 0
    planted: list[str] = []
    for k, week in enumerate(days[i : i + EXPORT_DAYS] for i in range(0, len(days), EXPORT_DAYS)):
        points, courses = [POINTS_HEADER], [COURSES_HEADER]
        if repeated:
            points += points_lines(prefix, date_text(repeated[0], k), *repeated[1:])
        for day in week:
            learners = org.view_on(day).learners
            studied = learners[rng.random(len(learners)) < keenness[learners]]
            earned = np.minimum(rng.poisson(level[studied]), 60)
            cumulative[studied] += earned
            totals = cumulative[studied]
            repeated = (day, studied, earned, totals)
            if day == week[-1] and day != last:  # exported before the day was over
                early = rng.random(len(studied)) < 0.03
                shown = np.where(early, (earned * rng.random(len(studied))).astype(np.int64), earned)
                earned, totals = shown, totals - earned + shown
            points += points_lines(prefix, date_text(day, k), studied, earned, totals)
            if day == last:
                planted = malformed_points(prefix[int(studied[0])], date_text(day, k), int(totals[0]))
                points += planted
            finished = learners[rng.random(len(learners)) < course_rate[learners]]
            catalogue = rng.integers(0, len(org.courses), len(finished))
            text = date_text(day, k + 1)
            while deliveries and deliveries[0][0] == day:
                _, lecturer, course = deliveries.pop(0)
                courses.append(f"{prefix[lecturer]}{','.join(org.courses[course])},授课,{text}\n")
            courses += [
                f"{prefix[i]}{','.join(org.courses[c])},完成,{text}\n"
                for i, c in zip(finished.tolist(), catalogue.tolist(), strict=True)
            ]
        exported = week[-1] + DAY
        points_rows += len(points) - 1
        course_rows += len(courses) - 1
        write_text(directory / f"points_{exported}.csv", "".join(points), EXPORT_ENCODINGS[k % 3])
        write_text(directory / f"courses_{exported}.csv", "".join(courses), EXPORT_ENCODINGS[(k + 1) % 3])
    # the latest export delivered a second time under the next day's name
    shutil.copyfile(directory / f"points_{exported}.csv", directory / f"points_{exported + DAY}.csv")
    return {
        "learning_points_rows": points_rows,
        "learning_course_rows": course_rows,
        "malformed": len(planted),
    }


def points_lines(
    prefix: list[str], day: str, members: np.ndarray, earned: np.ndarray, totals: np.ndarray
) -> list[str]:
    return [
        f"{prefix[i]}{day},{p},{t}\n"
        for i, p, t in zip(members.tolist(), earned.tolist(), totals.tolist(), strict=True)
    ]


def date_text(day: dt.date, style: int) -> str:
    """``2026-03-07`` in even-numbered exports, ``2026/3/7`` in the others."""
    return day.isoformat() if style % 2 == 0 else f"{day.year}/{day.month}/{day.day}"


def malformed_points(prefix: str, day: str, total: int) -> list[str]:
    """A bad date, a non-numeric and a negative daily total, and a phone nobody has."""
    return [
        f"{prefix}2026-02-30,12,{total}\n",
        f"{prefix}{day},十五,{total}\n",
        f"{prefix}{day},-5,{total}\n",
        f"张三,{UNKNOWN_PHONE},{day},10,10\n",
    ]


# --------------------------------------------------------------------------- performance and admin items


def write_kpi(directory: Path, org: Organisation, rng: random.Random) -> dict:
    """``kpi_YYYYMM.csv`` per month: every employee of the month (a few missing), a few outsiders not in
    the roster, and the previous month's corrections and late rows."""
    outsiders = [f"SG9{n:06d}" for n in sorted(rng.sample(range(10**6), org.scaled(5)))]
    exemplary = {org.people[i].employee_no for i in org.exemplary}
    previous: list[tuple[str, float]] = []
    late: list[str] = []
    rows, planted = 0, []
    for month in org.months:
        period, before = f"{month:%Y%m}", f"{month.replace(day=1) - DAY:%Y%m}"
        employees = {
            org.people[i].employee_no
            for day in (month, month_end(month))
            for i in org.view_on(day).employees()
        }
        scored, missing = [], []
        for employee_no in sorted(employees):
            if rng.random() < 0.02:  # not scored yet
                missing.append(employee_no)
            else:
                scored.append((employee_no, kpi_score(rng, employee_no in exemplary)))
        lines = [KPI_HEADER] + [
            kpi_line(no, period, score, kpi_time(rng, next_month(month), (1, 3)), rng)
            for no, score in scored + [(no, kpi_score(rng)) for no in outsiders]
        ]
        corrected = rng.sample(previous, min(len(previous), org.scaled(3)))
        lines += [
            kpi_line(
                no,
                before,
                round(min(118.0, score + rng.uniform(-8, 8)), 2),
                kpi_time(rng, month, (10, 20)),
                rng,
            )
            for no, score in corrected
        ]
        lines += [
            kpi_line(no, before, round(rng.uniform(70, 100), 2), kpi_time(rng, month, (10, 20)), rng)
            for no in late
        ]
        if month == org.months[-1]:
            at = kpi_time(rng, next_month(month), (2, 3))
            planted = [f"{scored[0][0]},{period},130.00,A,{at}\n", f"{scored[1][0]},{period},N/A,,{at}\n"]
            lines += planted
        rows += len(lines) - 1
        write_text(directory / f"kpi_{period}.csv", "".join(lines))
        previous, late = scored, missing[: len(missing) // 4]
    return {"kpi_rows": rows, "malformed": len(planted)}


def kpi_score(rng: random.Random, exemplary: bool = False) -> float:
    return round(min(118.0, max(45.0, rng.gauss(108, 4) if exemplary else rng.gauss(91, 5))), 2)


def kpi_line(employee_no: str, period: str, score: float, updated_at: str, rng: random.Random) -> str:
    rating = "" if rng.random() < 0.05 else "ABCD"[sum(score < bound for bound in (100, 85, 70))]
    return f"{employee_no},{period},{score:.2f},{rating},{updated_at}\n"


def kpi_time(rng: random.Random, month: dt.date, days: tuple[int, int]) -> str:
    local = dt.datetime.combine(
        month + rng.randint(*days) * DAY, dt.time(rng.randint(8, 18), rng.randint(0, 59))
    )
    return stamp(local, rng.random() < 0.05)


def write_admin_items(directory: Path, org: Organisation, rng: random.Random) -> dict:
    """``items_YYYY-MM.csv`` per month: honours (bonus), deductions, a few vetoes over the period, and
    the previous month's revocations and re-approvals with changed points."""
    vetoes = rng.choices(range(len(org.months)), k=org.scaled(2))
    serial, previous, rows = 0, [], 0
    for k, month in enumerate(org.months):
        view = org.view_on(month_end(month))
        members = [org.people[i].employee_no for i, s in enumerate(view.states) if s and s.status in PARTY]
        honoured = [org.people[i].employee_no for i in sorted(org.exemplary) if view.states[i]]
        approved_at = month_end(month) - 8 * DAY
        items = []
        for kind, pool, count, reasons, points in (
            ("bonus", members, org.scaled(4), HONOURS, (1, 2, 3, 5)),
            # the exemplary are honoured in three months of four: then they score 90 or more
            ("bonus", honoured, len(honoured) * 3 // 4, HONOURS, (2, 3, 5)),
            ("deduction", members, org.scaled(2), FAULTS, (1, 2, 3)),
            ("veto", members, vetoes.count(k), VETO_REASONS, (0,)),
        ):
            for employee_no in rng.sample(pool, min(count, len(pool))):
                serial += 1
                at = dt.datetime.combine(approved_at + rng.randint(0, 7) * DAY, dt.time(rng.randint(9, 17)))
                items.append(
                    [
                        f"AI{serial:06d}",
                        employee_no,
                        f"{month:%Y-%m}",
                        kind,
                        str(rng.choice(points)),
                        rng.choice(reasons),
                        rng.choice(ADMINS),
                        stamp(at, False),
                        "approved",
                    ]
                )
        revised = []
        later = stamp(dt.datetime.combine(month + rng.randint(2, 9) * DAY, dt.time(10)), False)
        bonuses = [item for item in previous if item[3] == "bonus"]
        deductions = [item for item in previous if item[3] == "deduction"]
        if bonuses:
            revised.append([*rng.choice(bonuses)[:7], later, "revoked"])
        if deductions:
            item = rng.choice(deductions)
            revised.append([*item[:4], str(int(item[4]) + 1), *item[5:7], later, "approved"])
        lines = [ADMIN_HEADER] + [",".join(item) + "\n" for item in items + revised]
        rows += len(lines) - 1
        write_text(directory / f"items_{month:%Y-%m}.csv", "".join(lines))
        previous = items
    return {"admin_items": rows}


def write_appeals(directory: Path, org: Organisation, rng: random.Random) -> dict:
    """``appeals_YYYY-MM.csv`` per month of change: a few members appeal their month M from M+1's
    first days on (some before the export day, holding their HR row open) and the office rejects
    most, accepts some (with the points granted), or a member withdraws, a few days later; a change after the
    extract cutoff is not written yet, so the latest months keep open appeals. The last file also
    carries one malformed row (accepted without points: quarantined as missing_field)."""
    versions: list[list[str]] = []
    cutoff = org.extract_cutoff.replace(tzinfo=None)
    serial = 0
    for month in org.months:
        view = org.view_on(month_end(month))
        members = [org.people[i].employee_no for i, s in enumerate(view.states) if s and s.status in PARTY]
        for employee_no in rng.sample(members, min(org.scaled(3), len(members))):
            serial += 1
            component, grants, reason = rng.choice(APPEAL_CASES)
            day = min(next_month(month) + rng.randint(0, 14) * DAY, cutoff.date() - DAY)
            filed = dt.datetime.combine(day, dt.time(rng.randint(9, 17)))
            appeal = [f"AP{serial:06d}", employee_no, f"{month:%Y-%m}", component]
            versions.append([*appeal, "", reason, "submitted", "", "", stamp(filed, False)])
            decided = filed + rng.randint(1, 10) * DAY
            if decided >= cutoff:
                continue
            outcome = rng.choices(("accepted", "rejected", "withdrawn"), (3, 5, 1))[0]  # most are rejected
            points = rng.choice(grants) if outcome == "accepted" else ""
            by, at = ("", "") if outcome == "withdrawn" else (rng.choice(ADMINS), stamp(decided, False))
            versions.append([*appeal, points, reason, outcome, by, at, stamp(decided, False)])
    last = max(row[9] for row in versions)
    malformed = ["AP999999", versions[0][1], versions[0][2], "learning", "", "学习积分未同步", "accepted"]
    versions.append([*malformed, ADMINS[0], last, last])
    by_month = defaultdict(list)
    for row in versions:
        by_month[row[9][:7]].append(",".join(row) + "\n")
    for label, lines in sorted(by_month.items()):
        write_text(directory / f"appeals_{label}.csv", APPEAL_HEADER + "".join(lines))
    return {"appeals": len(versions), "malformed": 1}
