"""DOMAIN.md §9 in free text at the edges mutation testing of tickets/privacy_text.py found unchecked."""

from __future__ import annotations

import pytest

from tickets.privacy_text import TITLE_CHARS, Level, derive_title, mask_text, mask_text_detailed

# A first sentence without any comma or space, long, with a mask in it (a caller who does not pause).
LONG_FIRST_SENTENCE = "居民反映楼道里的灯坏了很久电话13812345678一直没人来修理" + "非常着急" * 100 + "。"


@pytest.mark.parametrize(
    ("content", "title"),
    [
        (LONG_FIRST_SENTENCE, "居民反映楼道里的灯坏了很久电话138****5678一直没人…"),
        # The ID number's mask straddles the limit and starts early: the cut goes after it.
        (
            "反映一件事情反映一件事身份证110101199003071234谢谢谢谢谢谢谢谢谢谢",
            "反映一件事情反映一件事身份证11**************34…",
        ),
    ],
)
def test_a_mask_in_a_long_unbroken_sentence_does_not_stretch_the_title(content: str, title: str) -> None:
    # Was: the mask was taken as everything up to the next blank, i.e. the whole sentence, and the
    # title was the whole first sentence (434 characters here) instead of about TITLE_CHARS.
    assert derive_title(content) == title
    assert len(derive_title(content)) <= TITLE_CHARS + 3


def test_names_with_a_compound_surname_are_found_even_without_a_common_surname_in_the_clause() -> None:
    # Was: a clause was searched for names only if it held one of the single common surnames, so
    # 上官云 and 司徒雷登 (上, 司 are none) were shown whole although compound surnames are accepted.
    assert mask_text("邻居上官云说") == "邻居上官**说"
    assert mask_text("邻居司徒雷登说") == "邻居司徒**说"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("张伟来电", "张**来电"),  # only jieba's HMM finds 张伟: a surname and a lone character trigger it
        ("王林,来电了", "王**,来电了"),  # a clause of surname characters only
        ("邻居丁坚微微说", "邻居丁**说"),  # a four-character name
        ("邻居侯门深似海说", "邻居侯门深似海说"),  # five characters tagged nr: an idiom, not a name
        # What stops one token does not stop the search: a word before, a post, a famous name, a place.
        ("路边张伟说", "路边张**说"),
        ("王经理告诉张伟", "王经理告诉张**"),
        ("刘少奇和张伟说", "刘少奇和张**说"),
        ("一介武夫和张伟说", "一介武夫和张**说"),  # tagged nr, but starts with no surname
        ("去李娜大厦找张伟", "去李娜大厦找张**"),
        # A name before a place word is the place's name; the words after that do not matter.
        ("去李娜大厦办事", "去李娜大厦办事"),
    ],
)
def test_other_person_names(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    ("name", "text", "masked"),
    [
        ("欧阳", "欧阳来电", "欧**来电"),  # two characters: surname 欧, given name 阳
        ("欧阳娜", "欧阳娜来电", "欧阳**来电"),
    ],
)
def test_a_compound_surname_needs_a_given_name_after_it(name: str, text: str, masked: str) -> None:
    assert mask_text(text, citizen_name=name) == masked


def test_hits_next_to_each_other_are_both_masked() -> None:
    assert mask_text("张三13812345678", citizen_name="张三") == "张**138****5678"
    assert mask_text("13812345678张三", citizen_name="张三") == "138****5678张**"


def test_bank_cards_pass_the_luhn_check_whatever_their_digits() -> None:
    # A valid card with a single doubled digit above 4 (the 7 of ...0007 is not doubled; 2 ... are).
    assert mask_text("卡号6222020000000007") == "卡号6222********0007"


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("电话13812345678", "电话(已隐去)"),
        ("身份证110101199003071234", "身份证(已隐去)"),
        ("QQ号123456789", "QQ号(已隐去)"),
        ("微信号abc_12345", "微信号(已隐去)"),
    ],
)
def test_numbers_are_hidden_whole_at_the_hidden_level(text: str, hidden: str) -> None:
    assert mask_text(text, level="hidden") == hidden


def test_the_citizens_own_number_in_any_spacing_is_masked_or_hidden() -> None:
    assert mask_text("号码1 2 3 4 5", citizen_phone="12345") == "号码***"
    assert mask_text("号码1391 234 5678", citizen_phone="13912345678", level="hidden") == "号码(已隐去)"
    # Fewer than five digits are not searched for: 110 and 4 digits are everywhere.
    assert mask_text("号码1 2 3 4", citizen_phone="1234") == "号码1 2 3 4"


def test_the_default_level_is_masked() -> None:
    assert mask_text_detailed("住幸福路88号阳光小区3栋").text == "住幸福路阳光小区***"
    assert mask_text("住幸福路88号阳光小区3栋") == "住幸福路阳光小区***"
    assert mask_text("阳光小区", citizen_address="阳光小区") == "***"


def test_stars_the_citizen_wrote_are_kept_when_hidden() -> None:
    assert mask_text("密码***阳光小区***", level="hidden") == "密码***阳光小区***"


@pytest.mark.parametrize(
    ("kwargs", "text", "kinds"),
    [
        ({"citizen_address": "阳光小区"}, "住阳光小区", {"address"}),
        ({"citizen_phone": "13912345678"}, "号码1391 234 5678", {"mobile"}),
        ({}, "邻居张伟说", {"name"}),
        ({}, "QQ123456789", {"im_id"}),
        ({}, "身份证110101199003071234", {"id_number"}),
        ({}, "卡号6222020000000007", {"bank_card"}),
        ({}, "邮箱wangjg@example.com", {"email"}),
    ],
)
def test_each_kind_of_personal_data_is_named(kwargs: dict[str, str], text: str, kinds: set[str]) -> None:
    for level in ("masked", "hidden"):
        assert mask_text_detailed(text, level=level, **kwargs).kinds == kinds


def test_titles_know_the_citizen() -> None:
    content = "王先生反映1391 234 5678打不通,住阳光小区"
    titles: list[tuple[Level, str]] = [
        ("masked", "王**反映***打不通,住***"),
        ("hidden", "(已隐去)反映(已隐去)打不通,住(已隐去)"),
    ]
    for level, title in titles:
        masked = derive_title(
            content,
            citizen_name="王建国",
            citizen_phone="13912345678",
            citizen_address="阳光小区",
            level=level,
        )
        assert masked == title


# Titles cut near TITLE_CHARS (30): positions below are character indexes in the first sentence.
TEN = "一二三四五六七八九十"


@pytest.mark.parametrize(
    ("content", "title"),
    [
        (TEN * 3, TEN * 3),  # exactly 30 characters: whole, no ellipsis
        # The last comma or space up to index 30, if at 15 or later.
        (TEN * 2 + "," + TEN * 2, TEN * 2 + "…"),
        (TEN + "一二三四五," + TEN * 3, TEN + "一二三四五…"),  # a comma at 15
        (TEN + "一," + TEN * 3, TEN + "一," + TEN + TEN[:8] + "…"),  # at 11: too early, cut at 30
        (TEN + "一,三," + TEN + "," + TEN * 2, TEN + "一,三," + TEN + "…"),  # the last one, not the second
        (TEN * 2 + "," + TEN[:9] + "," + TEN * 2, TEN * 2 + "," + TEN[:9] + "…"),  # a comma at 30
        (TEN * 2 + "," + TEN + "," + TEN * 2, TEN * 2 + "…"),  # one at 31 is past the limit
        (TEN + "一二三四五六七八XX,," + TEN * 2, TEN + "一二三四五六七八XX…"),  # separators before the cut go
    ],
)
def test_title_cut_at_the_last_soft_boundary(content: str, title: str) -> None:
    assert derive_title(content) == title


@pytest.mark.parametrize(
    ("content", "title"),
    [
        # A mask ending exactly at the limit stays whole.
        (TEN + "一二三四五六七八九" + "13812345678" + TEN, TEN + "一二三四五六七八九138****5678…"),
        # A mask across the limit starting at 15 or later: the cut goes before it.
        (TEN + "一二三四五" + "110101199003071234" + TEN, TEN + "一二三四五…"),
        (TEN + "一二三四五六七八九十一二" + "13812345678" + TEN, TEN + "一二三四五六七八九十一二…"),
    ],
)
def test_title_never_cuts_a_mask(content: str, title: str) -> None:
    assert derive_title(content) == title
