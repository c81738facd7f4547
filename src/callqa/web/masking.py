"""Mask personal numbers (phone, ID card, bank card) for roles not allowed to see them."""

from __future__ import annotations

import re

DEFAULT_UNMASKED_ROLES = ("admin", "supervisor")
_ID_CARD = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_BANK_CARD = re.compile(r"(?<!\d)(\d{4})\d{8,11}(\d{4})(?!\d)")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_numbers(text: str | None) -> str | None:
    """'13800001111' → '138****1111'; ID cards and bank cards keep only their ends."""
    if not text:
        return text
    text = _ID_CARD.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)
    text = _BANK_CARD.sub(lambda m: m.group(1) + " **** " + m.group(2), text)
    return _PHONE.sub(lambda m: m.group(1) + "****" + m.group(2), text)


def may_see_numbers(role: str, unmasked_roles: object = DEFAULT_UNMASKED_ROLES) -> bool:
    roles = unmasked_roles if isinstance(unmasked_roles, list | tuple) else DEFAULT_UNMASKED_ROLES
    return role in roles
