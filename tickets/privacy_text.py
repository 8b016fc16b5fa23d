"""Personal data inside free text, masked by content (DOMAIN.md §9, 002 三(二)3, 003 §15, 004 §20).

§9 "never reveal the caller's name, number, address or employer to anyone who does not need it;
never to the unit complained about": `tickets.privacy` masks the citizen's own fields, but a citizen
also speaks them into the content, and seats copy them into titles, notes and replies. This module
finds them in the text itself. Pure: no database, no I/O.

What each part implements of §9:
- name ("never reveal the caller's name"): the citizen's name as known from the ticket (full, given
  name of two characters or more, surname + 先生/女士/..., 老张/小张, and 姓张 when hidden), and
  other person names jieba tags `nr` (a witness, a neighbour: whoever the text identifies). Bare
  surname forms only for the citizen's own surname: 王经理 of a unit is nobody in particular.
- number ("... number"): mobiles (also +86/0086, spaces, dashes), landlines with or without area
  code and extension, 18- and 15-digit ID numbers, Luhn-valid bank cards, plates, e-mail, QQ and
  WeChat ids, and the citizen's own number in any spacing.
- address ("... address"): house, building, unit, floor and flat numbers are cut; the street and
  community stay at both levels, since the unit needs the place at street level to act ("to anyone
  who does not need it"). The citizen's known address is cut to its street when masked and hidden
  whole when hidden.
- public disclosure (§9 受理公开: "names and phone numbers masked") can use the "masked" level.
Never masked: service numbers (110, 12345, 96119: fewer than 7 digits), dates, times, amounts,
quantities, ticket numbers 12345-YYYYMMDD-NNNNNN, law articles, percentages, years.
Not covered: the employer (§9 names it too) unless it is an address; numbers spoken in Chinese
numerals (一三八...); person names jieba does not tag `nr` or
whose surname is not among the common ones below.

Levels: "masked" keeps a hint (张**, 138****8000, 幸福路阳光小区***) for readers who may know the
citizen exists; "hidden" puts (已隐去) for the unit complained about ("never to the unit or person
complained about").
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import jieba
import jieba.posseg

jieba.setLogLevel(logging.WARNING)

Level = Literal["masked", "hidden"]
Kind = Literal["name", "mobile", "landline", "id_number", "bank_card", "plate", "email", "im_id", "address"]
HIDDEN = "(已隐去)"
STARS = "***"
TITLE_CHARS = 30

_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 西门 南宫 独孤".split()
)
# The common surnames: a jieba `nr` token must start with one (rarer ones: see the docstring).
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊孟秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔汤易常温康施文牛樊葛邢安齐伍庞颜倪"
)
_TITLES = "先生|女士|同志|师傅|老师|阿姨|大爷|小姐|大妈|大姐|大哥"
# 王经理, 李主任: a surname with a title or a post names nobody in particular.
_POSTS = (
    _TITLES + "|经理|主任|科长|局长|处长|所长|队长|部长|院长|校长|书记|老板|总|工|医生|警官|律师|会计|某|某某"
)
# jieba's dictionary tags some common words and famous places or brands `nr`; a name this frequent
# in its corpus is a word, not a caller.
_COMMON_WORD_FREQ = 500
_NOT_NAMES = frozenset("华为 王府井 张家港 孙悟空 东方明珠 司马光 李宁 金山 白云 方正 常德 石狮".split())
# A token followed by one of these is a place or an organisation named after someone (司马光路).
_PLACE_AFTER = re.compile(
    r"^(?:路|街|道|巷|弄|胡同|里|村|镇|乡|区|县|市|省|桥|站|小区|花园|公园|广场|大厦|中心|医院|学校|小学|中学|"
    r"大学|公司|集团|超市|商场|酒店|宾馆|银行|门|社区|新村|家园|苑|府|庄|湾|坊|售后|手机|品牌|牌)"
)

# ...and a token ending in one is a place itself (常德路 is one jieba token).
_PLACE_ENDS = frozenset("路街巷弄村镇乡区县市省桥站")
_NO_DIGIT_BEFORE = r"(?<![0-9])"
_NO_DIGIT_AFTER = r"(?![0-9])"
# Amounts, quantities and dates are numbers but not contacts.
_NO_UNIT_AFTER = r"(?![元块角分米天个人次年月日号%％万千百斤吨台辆户平倍岁])"

_PROTECTED = re.compile(
    r"[0-9]{5}-[0-9]{8}-[0-9]{6}"  # ticket numbers 12345-YYYYMMDD-NNNNNN
    r"|(?:19|20)[0-9]{2}(?:[-/.年](?:0?[1-9]|1[0-2])(?:[-/.月](?:0?[1-9]|[12][0-9]|3[01])[日号]?)?"
    r"|(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))(?![0-9])"
    r"|[0-9]{1,2}[:：][0-9]{2}(?:[:：][0-9]{2})?"
    r"|第[0-9一二三四五六七八九十百]+[条款项章节]"
)
_ID_NUMBER = re.compile(
    _NO_DIGIT_BEFORE
    + r"(?:[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
    r"|[1-9][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3})" + _NO_DIGIT_AFTER
)
_BANK_CARD = re.compile(
    _NO_DIGIT_BEFORE + r"[0-9]{4}(?:[ -]?[0-9]{4}){3}(?:[ -]?[0-9]{1,3})?" + _NO_DIGIT_AFTER
)
_MOBILE = re.compile(
    _NO_DIGIT_BEFORE + r"(?:(?:\+86|0086|86)[ -]?)?1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}" + _NO_DIGIT_AFTER
)
_EXTENSION = r"(?:[ ]?(?:转|分机|-)[ ]?[0-9]{1,5})?"
# A bare local number must not be one group of a longer spaced number (a card read out in fours).
_LANDLINE = re.compile(
    r"(?:[(（]0[1-9][0-9]{1,2}[)）][ -]?|" + _NO_DIGIT_BEFORE + r"0[1-9][0-9]{1,2}[ -]?)"
    r"[1-9][0-9]{2,3}[ -]?[0-9]{4}"
    + _EXTENSION
    + _NO_DIGIT_AFTER
    + r"|"
    + _NO_DIGIT_BEFORE
    + r"(?<![0-9][ -])(?<![-/.])[2-9][0-9]{2,3}[ -]?[0-9]{4}"
    + _EXTENSION
    + _NO_DIGIT_AFTER
    + r"(?![ -][0-9])"
    + _NO_UNIT_AFTER
)
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(
    rf"[{_PROVINCES}][A-HJ-NP-Z][·•.\- ]?(?=[A-HJ-NP-Z0-9]*[0-9])[A-HJ-NP-Z0-9]{{5,6}}(?![0-9A-Za-z])"
    r"|(?<![A-Za-z0-9])[" + _PROVINCES + r"][A-HJ-NP-Z][·•.\- ]?[A-HJ-NP-Z0-9]{4}[挂学警港澳领试超]"
    r"|使[0-9]{6}|[0-9]{3}[0-9]{3}使"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_IM_ID = re.compile(
    r"((?:QQ|qq|Qq|扣扣)(?:号码|号)?[:： ]*)([1-9][0-9]{4,11})(?![0-9])"
    r"|((?:微信|vx|VX|wx|WX)(?:号码|号|账号|ID|id)?[:： ]*)"
    r"([A-Za-z][-_A-Za-z0-9]{5,19}|[0-9]{5,11})(?![-_A-Za-z0-9])"
)
_D = r"(?:[甲乙丙丁]?[0-9]{1,5}|[A-Za-z])"
_N = rf"(?:{_D}|[一二三四五六七八九十两零〇]{{1,4}})"
# A part that points at one door on its own, and a part that only does next to one (3楼 alone is a floor
# of any building; 11月3号 is a date). Chinese numerals only before 单元/号楼: 一座桥, 三室一厅 are counts.
_STRONG = rf"{_N}(?:号楼|号院|单元)|{_D}(?:栋|幢|座|室|弄)|{_D}(?:-{_D}){{1,2}}(?:号|室)|门牌号?[:： ]*{_N}号"
_WEAK = rf"{_N}(?:号|层|楼|户|室)(?!线|码|窗口|口)|[0-9]{{3,4}}(?![0-9号元米天])"
_ADDRESS = re.compile(
    rf"(?<![0-9月第])(?:(?<=[路街道巷里村弄])(?:{_N}号)[-之]?)?(?:{_STRONG})(?:[-之]?(?:{_STRONG}|{_WEAK}))*"
    rf"|(?<=[路街道巷里村])(?<![0-9月第]){_N}号(?!线|码|窗口|口)"
)
# 88号 cut, then 阳光小区, then 3栋...: one *** at the end tells the same as two.
_STARS_THEN_COMMUNITY = re.compile(r"\*\*\*(?=[\u4e00-\u9fff]{2,12}\*\*\*)")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_TITLE_BOUNDARY = re.compile(r"[。!！?？;；\n]")
_SOFT_BOUNDARY = re.compile(r"[,，、:：\s]")


@dataclass(frozen=True)
class Masked:
    """The masked text and which kinds of personal data were found in it."""

    text: str
    kinds: frozenset[Kind] = field(default_factory=frozenset)


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    replacement: str
    kind: Kind | None  # None: a protected span (a date, a ticket number) kept as it is


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _surname(name: str) -> str:
    return name[:2] if name[:2] in _COMPOUND_SURNAMES and len(name) > 2 else name[:1]


def _name_mask(name: str, level: Level) -> str:
    return HIDDEN if level == "hidden" else _surname(name) + "**"


def _number_hits(text: str, level: Level) -> Iterator[_Hit]:
    def hide(kind: Kind, masked: Callable[[str], str]) -> Callable[[re.Match[str]], _Hit]:
        return lambda m: _Hit(m.start(), m.end(), HIDDEN if level == "hidden" else masked(m.group()), kind)

    mobile = hide("mobile", lambda s: (d := _digits(s)[-11:])[:3] + "****" + d[-4:])
    id_number = hide("id_number", lambda s: s[:2] + "*" * (len(s) - 4) + s[-2:])
    card = hide("bank_card", lambda s: (d := _digits(s))[:4] + "*" * (len(d) - 8) + d[-4:])
    landline = hide("landline", _mask_landline)
    plate = hide("plate", lambda s: (s[:2] if s[0] in _PROVINCES else s[:1]) + "*****")
    email = hide("email", lambda s: s[:1] + "***" + s[s.index("@") :])
    yield from map(id_number, _ID_NUMBER.finditer(text))
    yield from (card(m) for m in _BANK_CARD.finditer(text) if _luhn(_digits(m.group())))
    yield from map(mobile, _MOBILE.finditer(text))
    yield from map(landline, _LANDLINE.finditer(text))
    yield from map(email, _EMAIL.finditer(text))
    yield from map(plate, _PLATE.finditer(text))
    for m in _IM_ID.finditer(text):
        label_group = 1 if m.group(1) is not None else 3
        start = m.end(label_group)
        yield _Hit(start, m.end(), HIDDEN if level == "hidden" else STARS, "im_id")


def _mask_landline(number: str) -> str:
    """The area code stays (a district, not a person); of the local number only its last two digits,
    the extension goes with it."""
    match = re.match(r"([(（]?0[1-9][0-9]{1,2}[)）]?[ -]?)?(.*)", number)
    assert match is not None  # the pattern matches any string
    area, rest = match.group(1) or "", match.group(2)
    local = _digits(re.split(r"转|分机", rest)[0])
    return area + "*" * (len(local) - 2) + local[-2:]


def _address_hits(text: str, citizen_address: str | None, level: Level) -> Iterator[_Hit]:
    cut = HIDDEN if level == "hidden" else STARS
    if citizen_address and citizen_address.strip():
        known = citizen_address.strip()
        street = _ADDRESS.sub("", known) if level == "masked" else ""
        shown = (street + STARS) if street and street != known else cut
        for m in re.finditer(re.escape(known), text):
            yield _Hit(m.start(), m.end(), shown, "address")
    for m in _ADDRESS.finditer(text):
        yield _Hit(m.start(), m.end(), cut, "address")


def _citizen_name_hits(text: str, name: str | None, level: Level) -> Iterator[_Hit]:
    if not name or len(name.strip()) < 2:
        return
    name = name.strip()
    surname, given = _surname(name), name[len(_surname(name)) :]
    forms = [re.escape(name) + rf"(?:{_TITLES})?", re.escape(surname) + rf"(?:{_TITLES})"]
    # 小张纸, 小高层: the surname as a measure word or in a word of its own.
    forms.append(rf"[老小]{re.escape(surname)}(?![纸贴图表卡票单照层区])")
    if len(given) >= 2:
        forms.append(re.escape(given))
    if level == "hidden":
        forms.append(rf"(?<=姓){re.escape(surname)}")  # 我姓张: masked shows the surname anyway
    for m in re.finditer("|".join(forms), text):
        yield _Hit(m.start(), m.end(), _name_mask(name, level), "name")


def _other_name_hits(text: str, level: Level, known: list[_Hit]) -> Iterator[_Hit]:
    masked_already = {i for hit in known for i in range(hit.start, hit.end)}
    for run in _HAN_RUN.finditer(text):
        clause = run.group()
        # A compound surname counts too: 上官 and 司徒 start with no common surname, and their names
        # were never looked for although _names_in_clause accepts them.
        if any(c in _SURNAMES for c in clause) or any(s in clause for s in _COMPOUND_SURNAMES):
            yield from _names_in_clause(clause, run.start(), level, masked_already)


def _names_in_clause(clause: str, offset: int, level: Level, masked_already: set[int]) -> Iterator[_Hit]:
    # jieba's HMM finds names missing from its dictionary (张伟) but costs six times the dictionary
    # cut; it runs only where the dictionary cut left a surname followed by a lone character that
    # the citizen's own name has not already covered.
    pairs = list(jieba.posseg.cut(clause, HMM=False))
    starts = list(itertools.accumulate((len(p.word) for p in pairs), initial=offset))
    if any(
        len(a.word) == 1 and a.word in _SURNAMES and len(b.word) == 1 and starts[i] not in masked_already
        for i, (a, b) in enumerate(itertools.pairwise(pairs))
    ):
        pairs = list(jieba.posseg.cut(clause))
    pos = offset
    for i, pair in enumerate(pairs):
        word, flag = pair.word, pair.flag
        start, pos = pos, pos + len(word)
        if flag != "nr" or not 2 <= len(word) <= 4 or word in _NOT_NAMES:
            continue
        if word[:1] not in _SURNAMES and word[:2] not in _COMPOUND_SURNAMES:
            continue
        if re.fullmatch(rf"[\u4e00-\u9fff]{{1,2}}(?:{_POSTS})", word) or word[-1] in _PLACE_ENDS:
            continue  # 王先生 of someone else, 王经理 of a unit: a surname alone identifies nobody
        if int(jieba.dt.FREQ.get(word) or 0) >= _COMMON_WORD_FREQ:
            continue
        following = "".join(p.word for p in pairs[i + 1 : i + 3])
        if _PLACE_AFTER.match(following):
            continue
        yield _Hit(start, pos, _name_mask(word, level), "name")


def _resolve(hits: list[_Hit]) -> list[_Hit]:
    """Earlier detectors win; among the same detector, the longer match."""
    taken: list[_Hit] = []
    for hit in hits:
        if all(hit.end <= t.start or hit.start >= t.end for t in taken):
            taken.append(hit)
    return sorted(taken, key=lambda h: h.start)


def mask_text_detailed(
    text: str,
    *,
    citizen_name: str | None = None,
    citizen_phone: str | None = None,
    citizen_address: str | None = None,
    level: Level = "masked",
) -> Masked:
    """`text` with every personal datum masked, and the kinds found."""
    if not text:
        return Masked(text)
    # Protected spans come first so that no detector cuts into a date or a ticket number.
    hits = [_Hit(m.start(), m.end(), m.group(), None) for m in _PROTECTED.finditer(text)]
    if citizen_phone and len(_digits(citizen_phone)) >= 5:
        # The known number in whatever spacing, even one the patterns would not recognise.
        spaced = r"[ -]?".join(re.escape(d) for d in _digits(citizen_phone))
        hits.extend(
            _Hit(m.start(), m.end(), HIDDEN if level == "hidden" else STARS, "mobile")
            for m in re.finditer(rf"(?<![0-9]){spaced}(?![0-9])", text)
        )
    citizen = list(_citizen_name_hits(text, citizen_name, level))
    hits.extend(citizen)
    hits.extend(_address_hits(text, citizen_address, level))
    hits.extend(_number_hits(text, level))
    hits.extend(_other_name_hits(text, level, citizen))
    out: list[str] = []
    pos = 0
    kinds: set[Kind] = set()
    for hit in _resolve(hits):
        out.append(text[pos : hit.start])
        out.append(hit.replacement)
        if hit.kind is not None:
            kinds.add(hit.kind)
        pos = hit.end
    out.append(text[pos:])
    result = _STARS_THEN_COMMUNITY.sub("", "".join(out)) if level == "masked" else "".join(out)
    return Masked(result, frozenset(kinds))


def mask_text(
    text: str,
    *,
    citizen_name: str | None = None,
    citizen_phone: str | None = None,
    citizen_address: str | None = None,
    level: Level = "masked",
) -> str:
    return mask_text_detailed(
        text,
        citizen_name=citizen_name,
        citizen_phone=citizen_phone,
        citizen_address=citizen_address,
        level=level,
    ).text


def derive_title(
    content: str,
    *,
    citizen_name: str | None = None,
    citizen_phone: str | None = None,
    citizen_address: str | None = None,
    level: Level = "masked",
) -> str:
    """A ticket title from the masked content: its first sentence, cut near `TITLE_CHARS`."""
    masked = mask_text(
        content,
        citizen_name=citizen_name,
        citizen_phone=citizen_phone,
        citizen_address=citizen_address,
        level=level,
    ).strip()
    end = _TITLE_BOUNDARY.search(masked)
    first = masked[: end.start()] if end else masked
    if len(first) <= TITLE_CHARS:
        return first.strip()
    # The last comma or space before the limit, unless it leaves too little to say anything.
    soft = [m.start() for m in _SOFT_BOUNDARY.finditer(first, 0, TITLE_CHARS + 1)]
    cut = soft[-1] if soft and soft[-1] >= TITLE_CHARS // 2 else TITLE_CHARS
    # Never cut a mask in half: (已隐去) or 138****8000 cut would read as data. A mask is the stars
    # and the few letters or digits next to them: Chinese text has no spaces, so a mask reaching to
    # the next blank took the whole sentence along and made a title of hundreds of characters.
    for m in re.finditer(r"\(已隐去\)|[^\s,，\u4e00-\u9fff]{0,20}\*+[^\s,，\u4e00-\u9fff]{0,20}", first):
        if m.start() < cut < m.end():
            cut = m.start() if m.start() >= TITLE_CHARS // 2 else m.end()
    return first[:cut].rstrip(" ,，、:：") + "…"
