from __future__ import annotations

from tickets.kb import PINYIN_BUDGET, _pinyin_terms, _terms, index_fields, normalise


def test_normalise_folds_width_case_and_punctuation() -> None:
    assert normalise(" 路灯,不亮!ABC ") == "路灯不亮abc"


def test_two_character_queries_become_a_term() -> None:
    assert _terms("路灯") == ["路灯"]
    assert "路灯" in _terms("路灯坏了")


def test_homophones_share_pinyin_terms() -> None:
    # ASR may write 路等 for 路灯, 泄露 for 泄漏.
    assert _pinyin_terms("路等") == _pinyin_terms("路灯") == [" lu deng "]
    assert set(_pinyin_terms("煤汽泄露")) == set(_pinyin_terms("煤气泄漏"))


def test_index_fields_keep_question_keywords_answer_apart() -> None:
    text, spelled = index_fields("路灯不亮?", "找城管", "路灯")
    assert text == "路灯不亮|路灯|找城管"
    assert spelled.startswith(" lu deng bu liang ")
    assert spelled.endswith(" ")


def test_pinyin_spells_each_clause_once_within_a_budget() -> None:
    _, repeated = index_fields("路灯", "请拨打12345。" * 1000 + "找城管", "")
    assert repeated == " lu deng qing bo da zhao cheng guan "  # digits have no pinyin
    _, long = index_fields("路灯", "".join(f"第{i}段" for i in range(PINYIN_BUDGET)), "")
    # Question + at most the budget's characters: bounded, whatever the answer's length.
    assert len(long.split()) <= 2 + PINYIN_BUDGET
    assert long.startswith(" lu deng di duan di duan ")
