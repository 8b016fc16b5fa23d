"""Seed data of a demo city (示范市): units in three tiers, the category tree, users, KB articles.

The tree is the project's own, shaped like the taxonomies 12345 centres publish (15 top-level
groups, a few second-level entries each). Seeding is idempotent: existing rows are left alone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session, select

from core.settings import Settings
from tickets.db import Database
from tickets.kb import index_fields
from tickets.models import Category, KbArticle, Unit, User
from tickets.passwords import hash_password
from tickets.vocab import KbStatus, Role

# Documented in the README: only for dev/test machines; refused in production mode.
DEMO_PASSWORD = "demo12345"
CENTRE = "centre"

# code, name, tier, kind, parent, duty phone
UNITS: list[tuple[str, str, int, str, str | None, str]] = [
    (CENTRE, "示范市12345政务服务便民热线中心", 1, "centre", None, "0999-12345000"),
    ("d-dongcheng", "东城区人民政府", 2, "district", CENTRE, "0999-61000001"),
    ("d-xicheng", "西城区人民政府", 2, "district", CENTRE, "0999-62000001"),
    ("dept-housing", "市住房和城乡建设局", 2, "department", CENTRE, "0999-63000001"),
    ("dept-urban", "市城市管理局", 2, "department", CENTRE, "0999-63000002"),
    ("dept-env", "市生态环境局", 2, "department", CENTRE, "0999-63000003"),
    ("dept-hrss", "市人力资源和社会保障局", 2, "department", CENTRE, "0999-63000004"),
    ("dept-edu", "市教育局", 2, "department", CENTRE, "0999-63000005"),
    ("dept-commerce", "市商务局", 2, "department", CENTRE, "0999-63000006"),
    ("dept-health", "市卫生健康委员会", 2, "department", CENTRE, "0999-63000007"),
    ("dept-transport", "市交通运输局", 2, "department", CENTRE, "0999-63000008"),
    ("dept-police", "市公安局", 2, "department", CENTRE, "0999-63000009"),
    ("dept-agri", "市农业农村局", 2, "department", CENTRE, "0999-63000010"),
    ("dept-civil", "市民政局", 2, "department", CENTRE, "0999-63000011"),
    ("dept-market", "市市场监督管理局", 2, "department", CENTRE, "0999-63000012"),
    ("dept-natres", "市自然资源和规划局", 2, "department", CENTRE, "0999-63000013"),
    ("dept-emergency", "市应急管理局", 2, "department", CENTRE, "0999-63000014"),
    ("u-water", "示范市自来水公司", 2, "utility", CENTRE, "0999-96000001"),
    ("u-power", "国网示范市供电公司", 2, "utility", CENTRE, "0999-95598000"),
    ("u-gas", "示范市燃气集团", 2, "utility", CENTRE, "0999-96000003"),
    ("u-heat", "示范市热力公司", 2, "utility", CENTRE, "0999-96000004"),
    ("s-dc-hepingli", "东城区和平里街道办事处", 3, "street", "d-dongcheng", "0999-61000101"),
    ("s-dc-jianguo", "东城区建国街道办事处", 3, "street", "d-dongcheng", "0999-61000102"),
    ("s-xc-xinhua", "西城区新华街道办事处", 3, "street", "d-xicheng", "0999-62000101"),
    ("s-xc-qianmen", "西城区前门街道办事处", 3, "street", "d-xicheng", "0999-62000102"),
]

# top-level code, name, default unit, [(child code, child name, default unit)]
CATEGORIES: list[tuple[str, str, str | None, list[tuple[str, str, str | None]]]] = [
    (
        "urban",
        "城乡建设",
        "dept-housing",
        [
            ("urban.streetlight", "路灯照明", "dept-urban"),
            ("urban.property", "物业管理", "dept-housing"),
            ("urban.construction", "建筑施工", "dept-housing"),
            ("urban.water", "供水", "u-water"),
            ("urban.power", "供电", "u-power"),
            ("urban.gas", "燃气", "u-gas"),
            ("urban.heating", "供暖", "u-heat"),
        ],
    ),
    (
        "env",
        "环境保护",
        "dept-env",
        [
            ("env.noise", "噪声污染", "dept-env"),
            ("env.air", "大气污染", "dept-env"),
            ("env.water", "水污染", "dept-env"),
            ("env.sanitation", "环境卫生", "dept-urban"),
        ],
    ),
    (
        "labour",
        "劳动和社会保障",
        "dept-hrss",
        [
            ("labour.wages", "拖欠工资", "dept-hrss"),
            ("labour.insurance", "社会保险", "dept-hrss"),
            ("labour.employment", "就业创业", "dept-hrss"),
        ],
    ),
    (
        "edu",
        "教育文体",
        "dept-edu",
        [
            ("edu.enrolment", "招生入学", "dept-edu"),
            ("edu.fees", "教育收费", "dept-edu"),
            ("edu.sports", "文体设施", "dept-edu"),
        ],
    ),
    (
        "commerce",
        "商贸旅游",
        "dept-commerce",
        [
            ("commerce.shops", "商户经营", "dept-commerce"),
            ("commerce.tourism", "旅游服务", "dept-commerce"),
        ],
    ),
    (
        "health",
        "卫生计生",
        "dept-health",
        [
            ("health.hospital", "医疗服务", "dept-health"),
            ("health.insurance", "医疗保障", "dept-health"),
            ("health.epidemic", "疾病防控", "dept-health"),
        ],
    ),
    (
        "transport",
        "交通运输",
        "dept-transport",
        [
            ("transport.bus", "公交运营", "dept-transport"),
            ("transport.taxi", "出租车网约车", "dept-transport"),
            ("transport.roads", "道路养护", "dept-transport"),
        ],
    ),
    (
        "police",
        "公安司法",
        "dept-police",
        [
            ("police.household", "户籍办理", "dept-police"),
            ("police.traffic", "交通管理", "dept-police"),
            ("police.order", "治安管理", "dept-police"),
        ],
    ),
    (
        "agri",
        "农村农业",
        "dept-agri",
        [
            ("agri.land", "农村土地", "dept-agri"),
            ("agri.subsidy", "惠农补贴", "dept-agri"),
        ],
    ),
    (
        "civil",
        "民政",
        "dept-civil",
        [
            ("civil.elderly", "养老服务", "dept-civil"),
            ("civil.assistance", "社会救助", "dept-civil"),
            ("civil.marriage", "婚姻登记", "dept-civil"),
        ],
    ),
    (
        "market",
        "市场监管",
        "dept-market",
        [
            ("market.food", "食品安全", "dept-market"),
            ("market.consumer", "消费维权", "dept-market"),
            ("market.prices", "价格监管", "dept-market"),
        ],
    ),
    (
        "natres",
        "国土资源",
        "dept-natres",
        [
            ("natres.planning", "规划审批", "dept-natres"),
            ("natres.realestate", "不动产登记", "dept-natres"),
        ],
    ),
    (
        "safety",
        "安全生产",
        "dept-emergency",
        [
            ("safety.hazard", "安全隐患", "dept-emergency"),
            ("safety.disaster", "防灾减灾", "dept-emergency"),
        ],
    ),
    (
        "government",
        "政务服务",
        CENTRE,
        [
            ("government.approval", "行政审批", CENTRE),
            ("government.conduct", "工作作风", CENTRE),
        ],
    ),
    (
        "community",
        "社区治理",
        "d-dongcheng",
        [
            ("community.neighbours", "邻里纠纷", "d-dongcheng"),
            ("community.facilities", "社区设施", "d-dongcheng"),
        ],
    ),
]

# username, display name, role, unit, extension
STAFF: list[tuple[str, str, Role, str | None, str | None]] = [
    ("seat1001", "话务员1001", Role.SEAT, CENTRE, "1001"),
    ("seat1002", "话务员1002", Role.SEAT, CENTRE, "1002"),
    ("seat1003", "话务员1003", Role.SEAT, CENTRE, "1003"),
    ("supervisor", "值班长", Role.SUPERVISOR, CENTRE, None),
    ("admin", "系统管理员", Role.ADMIN, CENTRE, None),
    ("auditor", "审计员", Role.AUDITOR, CENTRE, None),
]

# question, answer, category, owning unit, keywords
ARTICLES: list[tuple[str, str, str, str, str]] = [
    (
        "路灯不亮找谁报修?",
        "城市道路路灯由市城市管理局负责维护,报修后一般2个工作日内修复;小区内路灯由物业负责。",
        "urban.streetlight",
        "dept-urban",
        "路灯 照明 报修 不亮",
    ),
    (
        "闻到煤气泄漏怎么办?",
        "立即关闭燃气阀门、开窗通风,不要开关电器,到室外拨打燃气抢修电话或119。",
        "urban.gas",
        "u-gas",
        "燃气 煤气 泄漏 泄露 抢修",
    ),
    (
        "家里停水了怎么查询原因?",
        "可拨打自来水公司服务电话查询计划停水公告,突发停水一般4小时内恢复。",
        "urban.water",
        "u-water",
        "停水 自来水 水压",
    ),
    (
        "供暖温度不达标如何投诉?",
        "供暖期室温应不低于18℃,可向热力公司报修,24小时内上门测温。",
        "urban.heating",
        "u-heat",
        "暖气 供暖 温度 不热",
    ),
    (
        "单位拖欠工资怎么维权?",
        "可向市人力资源和社会保障局劳动保障监察机构投诉,需提供劳动合同或工资条等证据。",
        "labour.wages",
        "dept-hrss",
        "欠薪 工资 讨薪 劳动监察",
    ),
    (
        "社保卡丢失怎么补办?",
        "携带身份证到任一社保经办网点或通过政务服务网办理挂失补办。",
        "labour.insurance",
        "dept-hrss",
        "社保卡 补办 挂失",
    ),
    (
        "夜间施工噪音扰民怎么办?",
        "夜间22时至次日6时禁止产生噪声的建筑施工,确需连续作业的须取得证明并公告。",
        "env.noise",
        "dept-env",
        "噪音 噪声 施工 扰民 夜间",
    ),
    (
        "小学入学需要哪些材料?",
        "户口簿、房产证明或租赁备案、预防接种证;具体以当年招生公告为准。",
        "edu.enrolment",
        "dept-edu",
        "入学 小学 招生 学区",
    ),
    (
        "公交卡余额怎么查询?",
        "可在公交站点自助机、手机应用或客服网点查询余额。",
        "transport.bus",
        "dept-transport",
        "公交卡 余额 查询",
    ),
    (
        "买到过期食品如何维权?",
        "保留购物凭证和食品,向市市场监督管理局投诉举报,可要求退一赔十。",
        "market.food",
        "dept-market",
        "食品 过期 维权 投诉 赔偿",
    ),
]


def handler_username(unit_code: str) -> str:
    return f"unit-{unit_code}"


def seed(settings: Settings, now: datetime | None = None) -> None:
    if settings.mode == "production":
        raise ValueError("生产模式拒绝写入演示数据:演示账号使用公开的默认密码(HOTLINE_MODE=production)")
    now = now or datetime.now(UTC)
    db = Database(settings.database_url, pool_size=1)
    try:
        with db.session() as session:
            _seed_units(session)
            session.flush()
            _seed_categories(session)
            session.flush()
            _seed_users(session)
            _seed_articles(session, now)
    finally:
        db.dispose()


def _seed_units(session: Session) -> None:
    for code, name, tier, kind, parent, phone in UNITS:
        if session.get(Unit, code) is None:
            session.add(
                Unit(code=code, name=name, tier=tier, kind=kind, parent_code=parent, duty_phone=phone)
            )
            session.flush()


def _seed_categories(session: Session) -> None:
    for code, name, unit, children in CATEGORIES:
        if session.get(Category, code) is None:
            session.add(Category(code=code, name=name, default_unit_code=unit))
            session.flush()
        for child_code, child_name, child_unit in children:
            if session.get(Category, child_code) is None:
                session.add(
                    Category(code=child_code, name=child_name, parent_code=code, default_unit_code=child_unit)
                )


def _seed_users(session: Session) -> None:
    existing = set(session.exec(select(User.username)).all())
    password = hash_password(DEMO_PASSWORD)
    people = list(STAFF)
    for code, name, _tier, _kind, _parent, _phone in UNITS:
        if code != CENTRE:
            people.append((handler_username(code), f"{name}承办人", Role.UNIT_HANDLER, code, None))
    for username, display, role, unit, ext in people:
        if username not in existing:
            session.add(
                User(
                    username=username,
                    display_name=display,
                    role=role,
                    unit_code=unit,
                    extension=ext,
                    password_hash=password,
                )
            )


def _seed_articles(session: Session, now: datetime) -> None:
    existing = set(session.exec(select(KbArticle.question)).all())
    for question, answer, category, unit, keywords in ARTICLES:
        if question in existing:
            continue
        text_field, pinyin_field = index_fields(question, answer, keywords)
        session.add(
            KbArticle(
                question=question,
                answer=answer,
                category_code=category,
                unit_code=unit,
                keywords=keywords,
                valid_from=date(2020, 1, 1),
                valid_to=None,
                status=KbStatus.APPROVED,
                proposed_by="seed",
                proposed_at=now,
                reviewed_by="seed",
                reviewed_at=now,
                search_text=text_field,
                search_pinyin=pinyin_field,
            )
        )
