"""The request guard's text checks: NUL and lone surrogates anywhere in a JSON document or a URL."""

from __future__ import annotations

import json

from agent_desk.api.guard import bad_json_text, bad_url_text


def test_json_text_with_nul_or_a_lone_surrogate_is_found_at_any_depth() -> None:
    # A surrogate pair (an emoji) is ordinary text.
    assert not bad_json_text(json.loads('{"a": ["\\u6c34", {"b": "\\ud83d\\ude00"}], "n": 1}'))
    assert bad_json_text(json.loads('{"a": [1, {"b": "x\\u0000"}]}'))
    assert bad_json_text(json.loads('{"a": [1, {"b": "\\ud800"}]}'))
    assert bad_json_text(json.loads('{"\\udfff": 1}'))  # keys too
    deep = json.loads("[" * 500 + '"\\u0000"' + "]" * 500)
    assert bad_json_text(deep)


def test_urls_with_nul_or_invalid_utf8_are_found_in_path_and_query() -> None:
    def scope(path: bytes, query: bytes = b"") -> dict[str, object]:
        return {"type": "http", "raw_path": path, "path": path.decode("latin-1"), "query_string": query}

    assert not bad_url_text(scope(b"/api/tickets/12345-1", b"q=%E6%B0%B4&x=a+b"))
    assert bad_url_text(scope(b"/api/tickets/1%00"))
    assert bad_url_text(scope(b"/api/tickets", b"q=%00"))
    assert bad_url_text(scope(b"/api/tickets", b"q=%ED%A0%80"))  # a surrogate's UTF-8 form
    assert bad_url_text(scope(b"/api/tickets", b"q=%E6%B0"))  # cut in the middle of a character
