"""A realistic demo community: residents, volunteers, elders, topics and stamp requests.

Everything goes through the same services a worker uses, so the demo obeys every
rule. Names, addresses and ID numbers are generated (valid check characters);
dates are relative to `today`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from app import care, consultation, elders, people, service, settings, stamps, timebank, volunteers
from app.dates import add_interval
from app.errors import UserError
from app.validation import id_check_char
from db.store import Row, Store

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘单蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉梅建国建华志强海燕雪梅红梅淑珍凤英德明春兰文博子涵浩然欣怡雨桐宇轩梓萱思远晓东晓燕丹丹"
AREA_CODES = ("320505", "320506", "320508", "320583", "320282", "321302")
ESTATES = ("阳光花园", "翠竹苑", "幸福里", "金桥新村", "枫桥人家")
TEAMS = ("党员先锋队", "巾帼志愿队", "银龄服务队", "青年突击队")
VISITORS = ("王晓燕", "陈立新", "周海燕", "刘建华", "孙丽娟")
ACTIVITIES = (
    ("文明实践", "文明实践站值守"), ("环境保护", "小区环境整治"), ("扶老助残", "独居老人助餐送餐"),
    ("治安巡逻", "夜间平安巡逻"), ("卫生健康", "义诊与健康宣传"), ("助学支教", "四点半课堂"),
    ("文化体育", "社区文艺汇演服务"), ("环境保护", "垃圾分类督导"), ("应急救援", "防汛物资整理"),
    ("矛盾调解", "邻里纠纷调解"),
)
TOPICS = (
    "3号楼加装电梯费用分摊", "小区停车位重新规划", "垃圾分类投放点调整", "老旧小区雨污分流改造",
    "广场舞音量与时间公约", "文明养犬公约修订", "电动自行车充电桩安装", "村道修缮资金使用",
    "集体厂房出租方案", "健身器材更新选址", "物业费调价听证", "老年食堂运营方式",
)


@dataclass
class DemoSummary:
    people: int
    volunteers: int
    activities: int
    service_records: int
    elders: int
    visits: int
    topics: int
    meetings: int
    stamp_requests: int


class _Maker:
    def __init__(self, store: Store, today: date, seed: int):
        self.store = store
        self.today = today
        self.rng = random.Random(seed)
        self.used_ids: set[str] = set()
        self.seq = 0

    def name(self) -> str:
        given = self.rng.choice(GIVEN) + (self.rng.choice(GIVEN) if self.rng.random() < 0.7 else "")
        return self.rng.choice(SURNAMES) + given

    def id_number(self, birth: date, gender: str) -> str:
        while True:
            seq = self.rng.randrange(0, 999)
            seq += (seq % 2 == 0) if gender == "男" else (seq % 2 == 1)
            first17 = f"{self.rng.choice(AREA_CODES)}{birth:%Y%m%d}{seq % 1000:03d}"
            if int(first17[-1]) % 2 != (gender == "男"):
                continue
            number = first17 + id_check_char(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"

    def person(self, min_age: int, max_age: int) -> Row:
        gender = self.rng.choice(("男", "女"))
        birth = self.today - timedelta(days=self.rng.randrange(min_age * 365 + 10, max_age * 365))
        record = {
            "name": self.name(),
            "id_number": self.id_number(birth, gender),
            "phone": self.phone() if self.rng.random() < 0.9 else None,
            "estate": self.rng.choice(ESTATES),
            "building": f"{self.rng.randrange(1, 31)}幢",
            "unit": f"{self.rng.randrange(1, 4)}单元",
            "room": f"{self.rng.randrange(1, 19)}{self.rng.randrange(1, 5):02d}室",
            "grid": f"第{self.rng.randrange(1, 7)}网格",
        }
        return people.add_person(self.store, record, today=self.today)


def build_demo(store: Store, *, today: date | None = None, seed: int = 2026) -> DemoSummary:
    """Fill an empty database with the demo community, in one transaction."""
    today = today or store.clock.today()
    if store.scalar("SELECT count(*) FROM people") or store.scalar("SELECT count(*) FROM topics"):
        raise UserError("数据库中已有数据，演示数据只能写入新的数据库（请用 --db 指定一个新文件）")
    maker = _Maker(store, today, seed)
    with store.transaction():
        stamps.install_default_checklist(store)
        settings.save(
            store,
            {
                "community_name": "阳光社区居民委员会",
                "community_code": "320505001001",
                "street": "狮山街道",
                "preparer": "王晓燕",
                "reviewer": "李建国",
            },
        )
        residents = [maker.person(3, 75) for _ in range(200)]
        olds = [maker.person(62, 98) for _ in range(100)]
        team = _volunteers(maker, residents)
        activity_count, record_count = _activities(maker, team)
        elder_count, visit_count = _elders(maker, olds[:80])
        meeting_count = _topics(maker, residents)
        request_count = _stamp_requests(maker, residents + olds)
        care_people = _care(maker)  # last: the figures above stay those of the demo before 关爱对象
    return DemoSummary(
        people=len(residents) + len(olds) + care_people,
        volunteers=len(team),
        activities=activity_count,
        service_records=record_count,
        elders=elder_count,
        visits=visit_count,
        topics=len(TOPICS),
        meetings=meeting_count,
        stamp_requests=request_count,
    )


def _volunteers(m: _Maker, residents: list[Row]) -> list[Row]:
    adults = [p for p in residents if p["birth_date"] <= (m.today - timedelta(days=18 * 366)).isoformat()]
    chosen = m.rng.sample(adults, 60)
    team = []
    for person in chosen:  # numbered as any new volunteer: ZY260001 …
        team.append(
            volunteers.add_volunteer(
                m.store,
                {
                    "person_id": person["id"],
                    "team": m.rng.choice(TEAMS),
                    "political_status": m.rng.choice(("中共党员", "群众", "群众", "共青团员")),
                    "registered_on": m.today - timedelta(days=m.rng.randrange(200, 1500)),
                },
                today=m.today,
            )
        )
    return team


def _activities(m: _Maker, team: list[Row]) -> tuple[int, int]:
    day = m.today - timedelta(days=182)
    activities = records = 0
    while day <= m.today - timedelta(days=1):
        category, title = m.rng.choice(ACTIVITIES)
        hours = m.rng.choice((2, 2, 3, 4))
        start_hour = m.rng.choice((8, 9, 14, 15, 18))
        chosen = m.rng.sample(team, m.rng.randrange(5, 13))
        age = (m.today - day).days
        state = "已确认" if age > 20 else m.rng.choice(("待审核", "待审核", "已确认"))
        entries = [
            {
                "volunteer_id": v["id"],
                "minutes": hours * 60 - m.rng.choice((0, 0, 15, 30)),
                "content": title,
                "recorder": "王晓燕",
                "attested_by": "李建国",
                "review_state": state,
            }
            for v in chosen
        ]
        if m.rng.random() < 0.05:
            entries[0].update(review_state="有疑问", review_note="签到表上无本人签名，待核实")
        service.record_activity(
            m.store,
            {
                "date": day,
                "name": title,
                "category": category,
                "location": m.rng.choice(("社区党群服务中心", "阳光花园广场", "翠竹苑北门", "社区老年食堂")),
                "organizer": "社区新时代文明实践站",
                "start_time": f"{start_hour:02d}:00",
                "end_time": f"{start_hour + hours:02d}:00",
                "beneficiaries": m.rng.choice(("社区居民", "独居老人", "辖区儿童", "全体居民")),
            },
            entries,
            today=day + timedelta(days=1),
        )
        activities += 1
        records += len(entries)
        day += timedelta(days=m.rng.randrange(4, 9))
    for volunteer in m.rng.sample(team, 5):
        available = timebank.balance(m.store, volunteer["id"])
        if available >= 120:
            timebank.redeem(
                m.store,
                {"volunteer_id": volunteer["id"], "minutes": 120, "reason": "兑换生活用品", "handler": "王晓燕"},
                today=m.today,
            )
    return activities, records


def _elders(m: _Maker, olds: list[Row]) -> tuple[int, int]:
    visits = 0
    for index, person in enumerate(olds):
        birth = date.fromisoformat(person["birth_date"])
        age = m.today.year - birth.year - ((m.today.month, m.today.day) < (birth.month, birth.day))
        categories = ["高龄"] if age >= 80 else []
        categories += m.rng.sample(("独居", "空巢", "失能", "半失能", "低保", "计划生育特殊家庭"), m.rng.randrange(1, 3))
        risk = m.rng.choices(("高风险", "重点", "一般"), weights=(12, 35, 53))[0]
        joined = m.today - timedelta(days=m.rng.randrange(200, 1000))
        if index >= 76:  # four joined this month: not yet due
            joined = m.today - timedelta(days=m.rng.randrange(0, 5))
        elder = elders.add_elder(
            m.store,
            {
                "person_id": person["id"],
                "categories": categories,
                "risk_level": risk,
                "emergency_contact": m.name(),
                "emergency_phone": m.phone(),
                "supporter": m.name(),
                "responsible_visitor": m.rng.choice(VISITORS),
                "joined_on": joined,
                "health_note": m.rng.choice(("高血压，按时服药", "行动不便，需助行器", "身体尚可", "糖尿病")),
            },
            today=m.today,
        )
        interval = elders.interval_of(m.store, risk)
        # Some elders are left unvisited lately, so this month shows overdue ones.
        neglected = m.rng.random() < 0.15
        day = max(joined, m.today - timedelta(days=183)) + timedelta(days=m.rng.randrange(0, 6))
        stop = m.today - timedelta(days=40 if neglected else 0)
        while day <= stop and day <= m.today:
            elders.record_visit(
                m.store,
                {
                    "elder_id": elder["id"],
                    "date": day,
                    "method": m.rng.choice(("上门", "上门", "电话", "视频")),
                    "visitor": elder["responsible_visitor"],
                    "health": m.rng.choice(("精神状态良好", "血压偏高，已提醒复诊", "腿脚不便，行动迟缓")),
                    "living": m.rng.choice(("饮食起居正常，各项补贴已到账", "家中储粮充足")),
                    "family_support": m.rng.choice(("子女每周探望", "子女在外地，电话联系较多", "无子女")),
                    "safety": m.rng.choice(("水电燃气正常", "燃气软管老化，已提醒更换", "无")),
                    "needs": m.rng.choice(("无", "希望提供助浴服务", "需要代购药品")),
                    **m.rng.choice((
                        {}, {}, {},
                        {"problems": "燃气软管老化", "measures": "联系燃气公司上门更换", "referral": "燃气公司"},
                        {"problems": "独自就医困难", "measures": "安排志愿者陪同就医"},
                        {"problems": "高龄津贴未到账", "measures": "协助核对银行账户，报街道民政科", "referral": "街道民政科"},
                    )),
                },
                today=m.today,
            )
            visits += 1
            day = add_interval(day, interval) - timedelta(days=m.rng.randrange(0, 4))
        if index in (10, 20):
            elders.change_status(m.store, elder["id"], "去世" if index == 10 else "入住机构",
                                 m.today - timedelta(days=m.rng.randrange(1, 15)), today=m.today)
    return len(olds), visits


def _topics(m: _Maker, residents: list[Row]) -> int:
    order = ("提出", "受理", "协商", "形成决议", "落实中", "已办结", "已评议")
    targets = ("提出", "提出", "不予受理", "受理", "协商", "协商", "形成决议", "落实中", "落实中",
               "已办结", "已评议", "已评议")
    meetings = 0
    for index, (title, target) in enumerate(zip(TOPICS, targets)):
        village = title in ("村道修缮资金使用", "集体厂房出租方案")
        start = m.today - timedelta(days=20 + 12 * index)
        topic = consultation.add_topic(
            m.store,
            {
                "title": title,
                "description": f"居民反映：{title}，请社区组织协商。",
                "proposer": m.rng.choice(residents)["name"],
                "proposed_on": start,
                "category": "小区治理",
                "procedure": "四议两公开" if village else "协商",
            },
            today=m.today,
        )
        day = start
        if target == "不予受理":
            consultation.advance_topic(m.store, topic["id"], "不予受理", on=day + timedelta(days=2),
                                       text="属于业主个人与物业的合同纠纷，已告知通过人民调解或诉讼解决",
                                       today=m.today)
            continue
        for state in order[1 : order.index(target) + 1]:
            day += timedelta(days=1)
            if state == "形成决议":
                meetings += _deliberate(m, topic, day, residents, village)
            if state == "落实中":
                consultation.publish(m.store, topic["id"], "决议", day, today=m.today)
            if state == "已评议":
                consultation.publish(m.store, topic["id"], "结果", day, today=m.today)
            text = {
                "形成决议": "经协商一致，按方案实施，费用按楼层系数分摊",
                "已办结": "已按决议完成，居民满意",
                "已评议": "评议满意率 92%",
            }.get(state)
            consultation.advance_topic(m.store, topic["id"], state, on=day, text=text, today=m.today)
            if state == "落实中":
                consultation.add_followup(m.store, topic["id"],
                                          {"date": day, "content": "已联系施工单位，进场施工", "handler": "陈立新"},
                                          today=m.today)
    return meetings


def _deliberate(m: _Maker, topic: Row, day: date, residents: list[Row], village: bool) -> int:
    if village:
        for step in consultation.FOUR_STEPS:
            expected = 45 if step in ("审议", "决议") else 7
            present = expected - m.rng.randrange(0, 5 if expected > 10 else 1)
            consultation.record_step(
                m.store, topic["id"], step,
                {"date": day, "expected": expected, "present": present,
                 "votes_for": present - 1 if present > 2 else present, "votes_against": 1 if present > 2 else 0},
                today=m.today,
            )
    attendees = m.rng.sample(residents, 9)
    roles = ("居民代表", "居民代表", "党员", "业委会", "物业", "居民代表", "社会组织", "驻区单位", "居民代表")
    consultation.add_meeting(
        m.store,
        {
            "topic_id": topic["id"],
            "date": day,
            "location": "社区议事厅",
            "form": m.rng.choice(("议事会", "协调会", "恳谈会")),
            "host": "李建国",
            "recorder": "王晓燕",
            "minutes_text": f"围绕“{topic['title']}”，参会各方充分发表意见，形成一致意见。",
            "votes_for": 8,
            "votes_against": 0,
            "votes_abstain": 1,
            "outcome": "同意实施方案",
        },
        [{"name": p["name"], "person_id": p["id"], "role": r} for p, r in zip(attendees, roles)],
        today=m.today,
    )
    return 1


def _stamp_requests(m: _Maker, applicants: list[Row]) -> int:
    allowed = stamps.checklist(m.store, "保留")
    refused = stamps.checklist(m.store, "负面")
    days = sorted(m.today - timedelta(days=m.rng.randrange(0, 90)) for _ in range(40))
    for index, day in enumerate(days):
        person = m.rng.choice(applicants)
        negative = index % 4 == 0
        item = m.rng.choice(refused if negative else allowed)
        result = "不予盖章" if negative else m.rng.choice(("已盖章", "已盖章", "已盖章", "告知承诺"))
        stamps.register_request(
            m.store,
            {
                "date": day,
                "applicant": person["name"],
                "id_number": person["id_number"],
                "phone": person["phone"],
                "person_id": person["id"],
                "matter": item["name"],
                "item_id": item["id"],
                "result": result,
                "purpose": m.rng.choice(("办理补贴", "单位要求", "银行业务", "子女入学")),
                "handler": m.rng.choice(VISITORS),
            },
            today=m.today,
        )
    return len(days)



def _care(m: _Maker) -> int:
    """困境儿童, 留守儿童 and 残疾人 with their visits; some overdue and one open 转介 past its due date."""
    by_name = {g.name: g for g in care.groups(m.store)}
    plan = [("困境儿童", 4, (4, 16)), ("留守儿童", 3, (6, 15)), ("残疾人", 5, (25, 58))]
    for group_name, count, (low, high) in plan:
        group = by_name[group_name]
        for index in range(count):
            person = m.person(low, high)
            extra: dict = {}
            if "guardian" in group.fields:
                extra = {"guardian": m.name(), "guardian_phone": m.phone(), "school": m.rng.choice(
                    ("阳光小学", "实验小学", "狮山中学"))}
            if "disability_no" in group.fields:
                category, grade = m.rng.randrange(1, 8), m.rng.randrange(1, 5)
                extra = {"disability_no": f"{person['id_number']}{category}{grade}",
                         "disability_category": care.DISABILITY_CATEGORIES[category - 1],
                         "disability_grade": care.DISABILITY_GRADES[grade - 1],
                         "living_subsidy": m.rng.random() < 0.6, "nursing_subsidy": grade <= 2}
            risk = ("高风险", "重点", "一般")[index % 3]
            care.add_member(m.store, {"person_id": person["id"], "group_id": group.id, "risk_level": risk,
                                      "joined_on": m.today - timedelta(days=200),
                                      "responsible_visitor": m.rng.choice(VISITORS), **extra}, today=m.today)
            checklist = care.checklist_of(m.store, person["id"])
            neglected = index == 1  # one in each group has not been visited for two months
            day = m.today - timedelta(days=150)
            stop = m.today - timedelta(days=60 if neglected else 0)
            while day <= stop:
                care.record_care_visit(m.store, {
                    "person_id": person["id"], "date": day, "visitor": m.rng.choice(VISITORS),
                    "method": "上门" if risk == "高风险" else m.rng.choice(("上门", "电话")),
                    "findings": [{"item": item, "checked": True, "note": "正常" if m.rng.random() < 0.7 else "需关注"}
                                 for item in checklist]}, today=m.today)
                day += timedelta(days=7 if risk == "高风险" else 28)
            if group_name == "困境儿童" and index == 0:
                care.record_care_visit(m.store, {
                    "person_id": person["id"], "date": m.today - timedelta(days=20), "visitor": "王晓燕",
                    "method": "上门", "findings": [{"item": "就学情况", "checked": True, "note": "近两周未到校"}],
                    "problems": "近两周未到校", "measures": "与班主任联系", "referral_target": "街道教育办",
                    "referral_kind": "部门", "referral_due": m.today - timedelta(days=6)}, today=m.today)
    return sum(count for _, count, _ in plan)
