"""A citizen who gave every kind of personal data, and how to find any of it in a view (issue 11)."""

from __future__ import annotations

from pydantic import BaseModel

NAME = "王建国"
MOBILE = "13912345678"
ADDRESS = "东城区和平里北街5号3号楼2单元501室"
CARD = "6222021234567890128"  # Luhn-valid
CONTENT = (
    f"{NAME}投诉:抄表员态度恶劣。联系电话139-1234-5678,座机0999-61234567,身份证110101199003071234,"
    f"银行卡{CARD},车牌京A12345,邮箱wangjg@example.com,住和平里北街5号3号楼2单元501室。"
)
LOCATION = f"{ADDRESS}门口"
NOTE = f"请尽快联系王先生,电话{MOBILE},座机0999-61234567,地址{ADDRESS}"
REPLY = f"已上门向{NAME}(身份证110101199003071234,车牌京A12345)致歉,电话{MOBILE}回复满意"

# The data themselves: none may appear to a reader below the full level.
VALUES = (
    NAME,
    MOBILE,
    "139-1234-5678",
    "61234567",
    "110101199003071234",
    CARD,
    "京A12345",
    "wangjg@example.com",
    "501室",
    "3号楼",
)
# Their masked hints: not even these to the unit complained about (surname, last four digits).
HINTS = ("王**", "王先生", "****5678", "*0128", "w***@", "京A*", "11****")


def intake(**over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "type": "投诉",
        "category_code": "urban.water",
        "content": CONTENT,
        "location": LOCATION,
        "citizen_name": NAME,
        "citizen_phone": MOBILE,
        "citizen_address": ADDRESS,
    }
    return data | over


def found(view: BaseModel | list[BaseModel] | str, needles: tuple[str, ...]) -> list[str]:
    """The needles present in the view's JSON (every field, nested ones too)."""
    if isinstance(view, str):
        text = view
    elif isinstance(view, list):
        text = "".join(v.model_dump_json() for v in view)
    else:
        text = view.model_dump_json()
    return [n for n in needles if n in text]
