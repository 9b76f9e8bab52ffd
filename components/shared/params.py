"""Typed URL parameters: parse a raw query-string value into a safe control value.

Pure (no streamlit), so every malformed or hostile URL can be tested directly.
`parse` never raises: it returns the value to use and, when the raw value had
to be clamped or ignored, a notice to show the user.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

_MAX_SHOWN = 40


def shown(raw: str) -> str:
    """A raw URL value made safe and short for a notice (rendered as inline code)."""
    text = "".join(ch if ch.isprintable() else "?" for ch in raw).replace("`", "'")
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…"


@dataclass(frozen=True)
class Param:
    name: str
    default: Any

    def parse(self, raw: str | None) -> tuple[Any, str | None]:
        if raw is None:
            return self.default, None
        try:
            return self._parse(str(raw))
        except (ValueError, OverflowError):
            return self.default, (f"`{self.name}={shown(str(raw))}` is not {self.expected()}; "
                                  f"using `{self.serialize(self.default)}`.")

    def _parse(self, raw: str) -> tuple[Any, str | None]:
        raise NotImplementedError

    def expected(self) -> str:
        raise NotImplementedError

    def serialize(self, value: Any) -> str:
        return str(value)


@dataclass(frozen=True)
class NumberParam(Param):
    lo: float = 0
    hi: float = 1
    integer: bool = True

    def expected(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        return f"{kind} from {self.serialize(self.lo)} to {self.serialize(self.hi)}"

    def _parse(self, raw: str) -> tuple[Any, str | None]:
        number = float(raw.strip())
        if math.isnan(number):
            raise ValueError(raw)
        if self.integer and math.isfinite(number) and number != int(number):
            raise ValueError(raw)
        clamped = min(max(number, self.lo), self.hi)
        value = int(clamped) if self.integer else float(clamped)
        if clamped != number:
            return value, (f"`{self.name}={shown(raw)}` is outside {self.serialize(self.lo)}–"
                           f"{self.serialize(self.hi)}; clamped to `{self.serialize(value)}`.")
        return value, None

    def serialize(self, value: Any) -> str:
        return str(int(value)) if self.integer else f"{float(value):g}"


@dataclass(frozen=True)
class ChoiceParam(Param):
    options: Sequence[str] = ()

    def expected(self) -> str:
        return "one of " + ", ".join(self.options)

    def _parse(self, raw: str) -> tuple[Any, str | None]:
        value = raw.strip().lower()
        if value not in self.options:
            raise ValueError(raw)
        return value, None


@dataclass(frozen=True)
class BoolParam(Param):
    def expected(self) -> str:
        return "true or false"

    def _parse(self, raw: str) -> tuple[Any, str | None]:
        value = raw.strip().lower()
        if value in ("1", "true", "yes", "on"):
            return True, None
        if value in ("0", "false", "no", "off"):
            return False, None
        raise ValueError(raw)

    def serialize(self, value: Any) -> str:
        return "true" if value else "false"


@dataclass(frozen=True)
class MultiChoiceParam(ChoiceParam):
    """Comma-separated subset of options; unknown entries are dropped with a notice."""

    def expected(self) -> str:
        return "a comma-separated list of " + ", ".join(self.options)

    def _parse(self, raw: str) -> tuple[Any, str | None]:
        items = [s.strip().lower() for s in raw.split(",") if s.strip()]
        known = list(dict.fromkeys(s for s in items if s in self.options))
        if not known:
            raise ValueError(raw)
        if len(known) < len(items):
            return known, f"`{self.name}={shown(raw)}`: ignored entries that are not {self.expected()}."
        return known, None

    def serialize(self, value: Any) -> str:
        return ",".join(value)


@dataclass(frozen=True)
class TextParam(Param):
    """Free text (any Unicode); cut to `max_chars` with a notice."""

    max_chars: int = 2000

    def expected(self) -> str:
        return f"text of at most {self.max_chars} characters"

    def _parse(self, raw: str) -> tuple[Any, str | None]:
        if len(raw) > self.max_chars:
            return raw[: self.max_chars], f"`{self.name}` was {len(raw):,} characters; cut to {self.max_chars:,}."
        return raw, None
