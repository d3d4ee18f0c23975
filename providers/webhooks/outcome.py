"""What handling an event came to: processed (it changed or recorded something) or
ignored (a type we do not act on, or about nothing we hold), and the number it was
about when there is one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Handled:
    processed: bool
    note: str = ""
    phone_number_id: Any = None


def ignored(note: str) -> Handled:
    return Handled(processed=False, note=note)


def processed(note: str = "", phone_number_id: Any = None) -> Handled:
    return Handled(processed=True, note=note, phone_number_id=phone_number_id)
