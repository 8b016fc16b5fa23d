"""Personal data masked by content in free text (DOMAIN.md §9)."""

from __future__ import annotations

import pytest

from tickets.privacy_text import HIDDEN, TITLE_CHARS, Level, derive_title, mask_text, mask_text_detailed

NAME, PHONE, ADDRESS = "张三", "13800138000", "幸福路88号阳光小区3栋2单元502室"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13800138000", "电话138****8000"),
        ("电话138 0013 8000", "电话138****8000"),
        ("电话138-0013-8000", "电话138****8000"),
        ("电话+86 13800138000", "电话138****8000"),
        ("电话008613800138000", "电话138****8000"),
        ("Tel13800138000", "Tel138****8000"),
        ("电话13800138000x", "电话138****8000x"),
        ("电话12800138000", "电话12800138000"),  # 12x is no mobile prefix
        ("电话1380013800", "电话1380013800"),  # ten digits
        ("电话138001380001", "电话138001380001"),  # twelve digits
    ],
)
def test_mobiles(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("座机010-12345678", "座机010-******78"),
        ("座机0571 8888 6666", "座机0571 ******66"),
        ("座机(021)12345678", "座机(021)******78"),
        ("座机（021）12345678", "座机（021）******78"),
        ("家里电话6123456", "家里电话*****56"),
        ("家里电话88123456", "家里电话******56"),
        ("家里电话8812 3456", "家里电话******56"),
        ("电话88123456转123", "电话******56"),
        ("电话010-88123456分机8012", "电话010-******56"),
        ("门牌号123456", "门牌号123456"),  # six digits: no local number
        ("共88123456元", "共88123456元"),
    ],
)
def test_landlines_seven_and_eight_digits_with_or_without_area_code(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("身份证110101199003071234", "身份证11**************34"),
        ("身份证11010119900307123X", "身份证11**************3X"),
        ("身份证11010119900307123x", "身份证11**************3x"),
        ("老身份证110101900307123", "老身份证11***********23"),
        ("编号11010119900307123", "编号11010119900307123"),  # 17 digits: no ID
        ("编号110101199013071234", "编号110101199013071234"),  # month 13
    ],
)
def test_id_numbers(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_bank_cards_only_when_luhn_valid() -> None:
    assert mask_text("卡号6249786907366258") == "卡号6249********6258"
    assert mask_text("卡号6249 7869 0736 6258") == "卡号6249********6258"
    assert mask_text("卡号6273357736589430185") == "卡号6273***********0185"
    assert mask_text("单号6249786907366259") == "单号6249786907366259"  # fails Luhn
    assert mask_text("单号6249 7869 0736 6259") == "单号6249 7869 0736 6259"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("车牌京A12345", "车牌京A*****"),
        ("车牌粤B·D12345", "车牌粤B*****"),
        ("车牌粤BD12345", "车牌粤B*****"),
        ("车牌沪A1234警", "车牌沪A*****"),
        ("车牌苏E1234学", "车牌苏E*****"),
        ("车牌鲁B1234挂", "车牌鲁B*****"),
        ("车牌使014578", "车牌使*****"),
        ("车牌沪A1234领", "车牌沪A*****"),
    ],
)
def test_plates(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_email_qq_wechat() -> None:
    assert mask_text("邮箱zhang.san@163.com") == "邮箱z***@163.com"
    assert mask_text("QQ：12345678") == "QQ：***"
    assert mask_text("qq号 987654321") == "qq号 ***"
    assert mask_text("微信号 zhangsan_88,请加") == "微信号 ***,请加"
    assert mask_text("加微信:wx123456") == "加微信:***"
    assert mask_text("QQ群很吵") == "QQ群很吵"


def test_citizen_name_forms() -> None:
    assert mask_text("来电人张三反映", citizen_name=NAME) == "来电人张**反映"
    assert mask_text("张三先生来电", citizen_name=NAME) == "张**来电"
    assert mask_text("张先生来电,张女士补充", citizen_name=NAME) == "张**来电,张**补充"
    assert mask_text("老张说小张也在", citizen_name=NAME) == "张**说张**也在"
    assert mask_text("张三先生来电", citizen_name=NAME, level="hidden") == f"{HIDDEN}来电"
    assert mask_text("我姓张", citizen_name=NAME, level="hidden") == f"我姓{HIDDEN}"
    assert mask_text("我姓张", citizen_name=NAME) == "我姓张"


def test_bare_surname_only_when_it_is_the_citizens() -> None:
    assert mask_text("李先生说王经理不在,老李也在", citizen_name="张三") == "李先生说王经理不在,老李也在"
    assert mask_text("李先生说老李也在", citizen_name="李四") == "李**说李**也在"
    assert mask_text("一小张纸贴在门上", citizen_name="张三") == "一小张纸贴在门上"


def test_given_name_and_compound_surname() -> None:
    assert mask_text("建国说他不去", citizen_name="王建国") == "王**说他不去"
    assert mask_text("欧阳先生和欧阳娜娜", citizen_name="欧阳娜娜") == "欧阳**和欧阳**"


def test_other_person_names_by_jieba() -> None:
    # Names missing from jieba's dictionary are found by its HMM.
    assert mask_text("邻居张伟和李小红吵架,王芳也在") == "邻居张**和李**吵架,王**也在"
    assert mask_text("来电人王建国反映其单位拖欠工资") == "来电人王**反映其单位拖欠工资"
    assert mask_text("邻居刘德华家养狗扰民") == "邻居刘**家养狗扰民"
    assert mask_text("来电人王建国反映", level="hidden") == f"来电人{HIDDEN}反映"


def test_addresses_keep_street_and_community() -> None:
    assert mask_text("住在幸福路88号阳光小区3栋2单元502室") == "住在幸福路阳光小区***"
    assert mask_text("住向阳路12号院5号楼301") == "住向阳路***"
    assert mask_text("长乐路123弄45号") == "长乐路***"
    assert mask_text("东湖花园3幢4层") == "东湖花园***"
    assert mask_text("金桥小区5栋8号") == "金桥小区***"
    assert mask_text("门牌18号") == "***"
    assert mask_text("我家1502室漏水") == "我家***漏水"
    assert mask_text("住三单元五零二室,二号楼") == "住***,***"
    assert mask_text("住3-2-502室") == "住***"
    assert mask_text("住在幸福路88号阳光小区3栋2单元502室", level="hidden") == (
        f"住在幸福路{HIDDEN}阳光小区{HIDDEN}"
    )


def test_known_citizen_address_wherever_it_appears() -> None:
    address = "和平里北街甲1号院"
    assert mask_text("家住和平里北街甲1号院", citizen_address=address) == "家住和平里北街***"
    assert mask_text("家住和平里北街甲1号院", citizen_address=address, level="hidden") == f"家住{HIDDEN}"


def test_known_citizen_phone_in_any_spacing() -> None:
    assert mask_text("回电 6 1 2 3 4 5 6", citizen_phone="6123456") == "回电 ***"


ORDINARY = [
    "小区门口的路灯坏了三天了,晚上很黑。",
    "楼上邻居装修噪音太大,每天早上七点就开始。",
    "市民反映幸福路上有人占道经营。",
    "希望相关部门尽快处理。",
    "咨询社保卡如何补办。",
    "反映公交车司机态度恶劣。",
    "请城管部门来看看。",
    "下水道堵塞,污水横流。",
    "咨询公积金提取流程。",
    "老人摔倒了需要帮助,已拨打120。",
    "学校门口交通拥堵,请交警支援,已拨打122。",
    "反映黄河路施工扬尘。",
    "咨询高考报名时间。",
    "周末菜市场很吵。",
    "东方明珠附近停车难。",
    "要求华为售后处理手机问题。",
    "司马光路坑洼不平。",
    "建议增加公交线路。",
    "向阳街道办事处不作为。",
    "小区物业费上涨了百分之二十,涨幅30%。",
    "阳光小区的垃圾没人清运。",
    "2026年11月3日15:30在3号线地铁站丢失钱包。",
    "商家多收了300元,要求退款。",
    "路面塌陷约50米,已经持续3天。",
    "工单12345-20261103-000001还没有回复。",
    "依据消费者权益保护法第12条,要求赔偿。",
    "已拨打12315、12345和110,均未解决。",
    "消防通道被堵,已报96119。",
    "2025年以来多次反映无果。",
    "办事大厅3楼5号窗口排队太久。",
    "文明城市创建期间请加强管理。",
    "高峰时段公交太挤。",
    "平安路的红绿灯不工作。",
    "金山公园的厕所太脏。",
    "常德路的夜市占道。",
    "11月3号停水一整天,没有通知。",
    "每月15号发工资,已拖欠2个月。",
    "咨询2026年度个税汇算。",
    "孙悟空主题乐园门票太贵。",
    "他说会在下周一上午9点前处理。",
    "河上那一座桥的栏杆断了。",
    "咨询三室一厅的公租房怎么申请。",
    "两栋楼之间的绿化带被毁。",
    "中山路和解放路交叉口积水严重。",
    "李宁体育馆门口乱停车。",
    "王府井大街有人乞讨。",
    "金色家园物业不作为。",
    "公交307路晚点严重。",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_sentences_come_out_unchanged(text: str) -> None:
    assert mask_text(text, citizen_name="张三", citizen_phone="13800138000") == text
    assert mask_text_detailed(text).kinds == frozenset()


PERSONAL = [
    ("我叫张三,电话13800138000。", ["张三", "13800138000", "00138000"]),
    ("张先生反映楼上漏水,联系138 0013 8000。", ["张先生", "0013 8000"]),
    ("来电人张三先生,住幸福路88号阳光小区3栋2单元502室。", ["张三", "88号", "502", "3栋"]),
    ("老张说物业不管。", ["老张"]),
    ("小张的电话是13900001111。", ["小张", "00001111"]),
    ("身份证号110101199003071234。", ["199003071234", "110101199003071234"]),
    ("身份证11010119900307123X,请核实。", ["0307123X"]),
    ("请打座机010-12345678找我。", ["12345678"]),
    ("座机0571 8888 6666。", ["8888 6666", "88886666"]),
    ("电话(021)12345678转123。", ["12345678", "123。"]),
    ("家里电话6123456。", ["6123456"]),
    ("家里电话88123456。", ["88123456"]),
    ("银行卡6249786907366258被扣款。", ["6249786907366258", "07366258"]),
    ("车牌京A12345的车堵门。", ["A12345", "12345的"]),
    ("车牌粤B·D12345违停。", ["D12345"]),
    ("邮箱zhang.san@163.com。", ["zhang.san", "zhang"]),
    ("QQ:12345678。", ["12345678"]),
    ("微信号zhangsan_88。", ["zhangsan_88"]),
    ("邻居刘德华家养狗扰民。", ["刘德华"]),
    ("来电人王建国反映拖欠工资。", ["王建国"]),
    ("我家1502室漏水。", ["1502"]),
    ("住长乐路123弄45号。", ["123弄", "45号"]),
    ("地址向阳路12号院5号楼301。", ["12号院", "5号楼", "301"]),
    ("金桥小区5栋8号楼下有垃圾。", ["5栋", "8号"]),
    ("东湖花园3幢4层漏水。", ["3幢", "4层"]),
    ("手机+8613800138000。", ["13800138000", "0013"]),
    ("张女士,电话0086 138-0013-8000。", ["张女士", "0013-8000"]),
    ("张三的身份证110101900307123。", ["张三", "900307123"]),
    ("张三住和平里北街甲1号院。", ["张三", "甲1号院"]),
    ("我是张三,我的卡6273357736589430185。", ["张三", "6273357736589430185", "430185"]),
    ("转告张三,回电88123456转8012。", ["张三", "88123456", "8012"]),
    ("三哥张三,qq 987654321。", ["张三", "987654321"]),
]


@pytest.mark.parametrize(("text", "secrets"), PERSONAL)
@pytest.mark.parametrize("level", ["masked", "hidden"])
def test_no_personal_datum_survives(text: str, secrets: list[str], level: Level) -> None:
    out = mask_text(text, citizen_name="张三", level=level)
    assert out != text
    for secret in secrets:
        assert secret not in out, (secret, out)


@pytest.mark.parametrize("text", [t for t, _ in PERSONAL] + ORDINARY)
@pytest.mark.parametrize("level", ["masked", "hidden"])
def test_masking_twice_is_masking_once(text: str, level: Level) -> None:
    kw = {"citizen_name": NAME, "citizen_phone": PHONE, "citizen_address": ADDRESS}
    once = mask_text(text, **kw, level=level)
    assert mask_text(once, **kw, level=level) == once


def test_kinds_found() -> None:
    found = mask_text_detailed("张三,13800138000,010-12345678,京A12345,1502室", citizen_name="张三")
    assert found.kinds == {"name", "mobile", "landline", "plate", "address"}


def test_title_from_the_masked_content() -> None:
    content = "来电人张三反映,幸福路88号阳光小区3栋2单元502室楼上邻居装修噪音太大,每天早上七点就开始施工。"
    title = derive_title(content, citizen_name="张三")
    assert title == "来电人张**反映,幸福路阳光小区***楼上邻居装修噪音太大…"
    assert "张三" not in title and "502" not in title
    assert len(title) <= TITLE_CHARS + 1


def test_title_short_content_is_its_first_sentence() -> None:
    assert derive_title("路灯不亮。已经三天了。") == "路灯不亮"
    assert derive_title("  电话13800138000  ") == "电话138****8000"
    assert derive_title("") == ""


def test_title_never_cuts_a_mask_in_half() -> None:
    content = "反映一件事情反映一件事情反映一件事情反映一件事情请回电13800138000谢谢谢谢谢谢"
    title = derive_title(content)
    assert "138****8000" in title or "138" not in title
    assert title.endswith("…")
