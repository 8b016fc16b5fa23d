"""Reads rendered configuration back with pyst2's `asterisk.config` parser.

pyst2 0.5 only reads from a file name, with the locale's encoding and without closing the file
(a ResourceWarning under `-W error`); `parse_text` feeds it the text instead. Its parser has no
notion of templates (`[name](!)`) or `#include`, which the renderer does not write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asterisk.config import Config, ParseError
from asterisk.config import Item as PystItem


class ConfigSyntaxError(ValueError):
    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line


@dataclass(frozen=True)
class Item:
    name: str
    value: str
    line: int


@dataclass(frozen=True)
class Section:
    name: str
    line: int
    items: tuple[Item, ...]

    def get(self, name: str) -> str | None:
        """The last value of an option (Asterisk keeps the last one of a repeated scalar)."""
        values = self.all(name)
        return values[-1] if values else None

    def all(self, name: str) -> list[str]:
        return [item.value for item in self.items if item.name == name]


class _TextConfig(Config):  # type: ignore[misc]  # pyst2 is untyped
    def __init__(self, filename: str, text: str) -> None:
        self.filename = filename
        self.raw_lines = text.splitlines(keepends=True)
        self.lines: list[Any] = []
        self.categories: list[Any] = []
        self.parse()


def parse_text(file: str, text: str) -> list[Section]:
    """Sections in file order; items whose line sits before any section are an error."""
    try:
        config = _TextConfig(file, text)
    except ParseError as exc:
        line, message = exc.args if len(exc.args) == 2 else (0, str(exc))
        raise ConfigSyntaxError(file, int(line), str(message)) from exc
    in_sections = {id(item) for category in config.categories for item in category.items}
    for parsed in config.lines:
        if isinstance(parsed, PystItem) and id(parsed) not in in_sections:
            raise ConfigSyntaxError(file, parsed.number, "option outside any [section]")
    return [
        Section(
            name=category.name,
            line=category.number,
            items=tuple(Item(item.name, item.value.strip(), item.number) for item in category.items),
        )
        for category in config.categories
    ]
