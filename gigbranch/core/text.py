"""Control characters in user text: refused at input, neutralised on output.

A vertical tab or a NUL typed (or pasted, or sent through the API) into a name or an
address is invisible on screen but breaks an Excel export (openpyxl refuses the cell) and
confuses every system the data goes to next. Tab, line feed and carriage return are
ordinary text (a textarea has them); every other C0/C1 control character and DEL is
refused with a field error at input (forms, the API, imports). Exports neutralise what
older rows may still hold (gigbranch/core/xlsx.py).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MESSAGE = "不能包含不可见的控制字符（如垂直制表符、换页符），请删除后重新输入。"


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def no_control_characters(value: Any) -> None:
    """A Django validator (forms and model fields)."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(MESSAGE, code="control_characters")


def control_character_paths(data: Any, path: str = "") -> list[str]:
    """Dotted paths of every string in a parsed JSON document that holds a control
    character (keys included), e.g. ["address", "items.2.name"]."""
    found: list[str] = []
    if isinstance(data, str):
        if has_control_characters(data):
            found.append(path or "body")
    elif isinstance(data, dict):
        for key, value in data.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and has_control_characters(key):
                found.append(child)
            found.extend(control_character_paths(value, child))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(control_character_paths(value, f"{path}.{index}" if path else str(index)))
    return found
