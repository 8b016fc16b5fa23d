"""The citizens of the privacy matrix and every form in which their personal data could leak.

Each ticket of the matrix belongs to its own citizen, so a leak names the ticket (or call) it came
from. A datum has *full* forms (the value itself, however it is spaced) and *hint* forms (what a
masked value still shows: the surname with stars, the last four digits, 姓张): a viewer from whom the
citizen is hidden must see neither (DOMAIN.md §9: "never to the unit complained about").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from tickets.privacy import mask_phone
from tickets.privacy_text import mask_text


class Kind(Enum):
    """The kinds of personal data the issue lists (issue 11, "Free text is masked by content")."""

    NAME = "name"
    MOBILE = "mobile"
    LANDLINE = "landline"
    ID_NUMBER = "id_number"
    BANK_CARD = "bank_card"
    PLATE = "plate"
    EMAIL = "email"
    FLAT = "flat"
    VOICE = "voice"  # the call recording's audio: only the centre and the seat who took the call


@dataclass(frozen=True)
class Person:
    key: str  # which fixture carries this citizen: hidden | open | closed | call
    name: str
    honorific: str  # 张女士 / 李先生
    mobile: str
    area_code: str
    landline: str  # the local number; written with and without its area code
    id_number: str
    bank_card: str
    plate: str
    email: str
    street: str  # street and community: a unit may see these to act (issue 11, "Hidden means hidden")
    flat: str  # building, unit and flat: personal

    @property
    def surname(self) -> str:
        return self.name[:1]

    @property
    def given(self) -> str:
        return self.name[1:]

    @property
    def address(self) -> str:
        return self.street + self.flat

    @property
    def voice(self) -> str:
        """Bytes written into this caller's recording file, found again in what a route returns."""
        return f"VOICE-OF-{self.key.upper()}-CALLER"

    def text(self, where: str) -> str:
        """Free text naming every datum in every spelling the issue lists (at most ~250 characters)."""
        m, card = self.mobile, self.bank_card
        return (
            f"[{where}]我是{self.name},大家叫我{self.honorific}或老{self.surname},我姓{self.surname}。"
            f"手机{m[:3]} {m[3:7]} {m[7:]},也可打{m[:3]}-{m[3:7]}-{m[7:]},"
            f"座机{self.area_code}-{self.landline},家里电话{self.landline}。"
            f"身份证号{self.id_number},银行卡{card[:4]} {card[4:8]} {card[8:12]} {card[12:16]} {card[16:]},"
            f"车牌{self.plate},邮箱{self.email},住{self.address}。"
        )

    def short_text(self) -> str:
        """For fields of at most 200 characters (location, citizen address)."""
        m = self.mobile
        return f"{self.address}({self.honorific}家,电话{m[:3]}-{m[3:7]}-{m[7:]},{self.landline})"

    def forms(self, kind: Kind) -> tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]:
        """(full forms, hint patterns) of one datum. Full forms are looked for in the text with the
        spaces and dashes between digits removed, hints in the text as it is."""

        def last4(digits: str) -> re.Pattern[str]:
            return re.compile(rf"(?<![0-9]){re.escape(digits[-4:])}(?![0-9])")

        def masked(value: str) -> re.Pattern[str]:
            return re.compile(re.escape(mask_text(value)))

        if kind is Kind.NAME:
            full = (self.name, self.given, self.honorific, "老" + self.surname)
            return full, (
                re.compile(re.escape(self.surname) + r"\*"),
                re.compile("姓" + re.escape(self.surname)),
            )
        if kind is Kind.MOBILE:
            return (self.mobile,), (last4(self.mobile), re.compile(re.escape(mask_phone(self.mobile) or "")))
        if kind is Kind.LANDLINE:
            return (self.landline,), (last4(self.landline), masked(self.landline))
        if kind is Kind.ID_NUMBER:
            return (self.id_number,), (last4(self.id_number), masked(self.id_number))
        if kind is Kind.BANK_CARD:
            return (self.bank_card,), (last4(self.bank_card),)
        if kind is Kind.PLATE:
            return (self.plate,), (masked(self.plate),)
        if kind is Kind.EMAIL:
            local, domain = self.email.split("@")
            return (self.email, local), (re.compile(re.escape("@" + domain)),)
        if kind is Kind.FLAT:
            room = re.search(r"[0-9]+室$", self.flat)
            return (self.flat, room.group() if room else self.flat), ()
        return (self.voice,), ()


# Numbers chosen so that no form of one citizen is part of another's or of a date or ticket number.
PEOPLE: dict[str, Person] = {
    p.key: p
    for p in (
        # The complainant of a 投诉 against 东城区: hidden from it and from its street offices.
        Person(
            "hidden",
            "张晓梅",
            "张女士",
            "13907316642",
            "0731",
            "84561297",
            "430102198506124538",
            "6222021234567890128",
            "湘A9K327",
            "zhangxm85@zxm-mail.cn",
            "芙蓉路晨光小区",
            "17栋3单元1402室",
        ),
        # An ordinary help request: its units see the citizen, the unrelated unit nothing.
        Person(
            "open",
            "李卫东",
            "李先生",
            "18620937715",
            "0731",
            "85529463",
            "430103197703158873",
            "6217009876543210981",
            "湘B5T918",
            "liweidong77@lwd-mail.cn",
            "韶山路望月小区",
            "8栋2单元603室",
        ),
        # A closed ticket whose citizen consented to public disclosure (001 六): masked for the public.
        Person(
            "closed",
            "王秀英",
            "王女士",
            "15711483329",
            "0731",
            "86637041",
            "430104196911207764",
            "6228480123987654324",
            "湘C2M645",
            "wangxy69@wxy-mail.cn",
            "人民路枫林小区",
            "21栋1单元902室",
        ),
        # The caller of a recorded, transcribed call, on seat 1001's line right now.
        Person(
            "call",
            "赵志刚",
            "赵先生",
            "13574620918",
            "0731",
            "88214576",
            "430105198202036695",
            "6033671100223344558",
            "湘D7H203",
            "zhaozg82@zzg-mail.cn",
            "五一大道华夏小区",
            "5栋4单元1108室",
        ),
    )
}

KINDS: tuple[Kind, ...] = tuple(Kind)
# The recording's audio is only in the recorded call's fixture.
TICKET_KINDS: tuple[Kind, ...] = tuple(k for k in Kind if k is not Kind.VOICE)

_DIGIT_GAP = re.compile(r"(?<=[0-9])[ \-](?=[0-9])")


def normalised(text: str) -> str:
    """The text with spaces and dashes between digits removed: 139-0731-6642 reads as 13907316642."""
    return _DIGIT_GAP.sub("", text)
