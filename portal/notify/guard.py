"""Safety net: an e-mail must never carry a Swedish personal identity number.

The rule is that features put no personal data about the child in e-mail context at all
(no name, no personal number, no case details: a link to the portal instead). This guard
only catches the most dangerous mistake, a personnummer or samordningsnummer, in the
rendered subject, bodies and text attachments. Pure functions, no request needed.

A match is 10 or 12 digits, optionally with "-" or "+" before the last four, standing alone
(not inside a longer run of letters or digits), with a plausible birth date (day + 60 for a
samordningsnummer) and a valid check digit (Luhn). Phone numbers and other long numbers
rarely pass both checks."""
from __future__ import annotations

import re

from stdnum import luhn

_CANDIDATE = re.compile(r"(?<![\w+-])((?:\d{2})?)(\d{6})[-+]?(\d{4})(?![\w])")


class PersonalDataInEmail(ValueError):
    """Raised by queue_email when a rendered message looks like it carries a personal number.

    The message says where (subject, text, HTML, attachment), never what."""


def _plausible(yymmdd: str) -> bool:
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    if day > 60:  # samordningsnummer
        day -= 60
    return 1 <= month <= 12 and 1 <= day <= 31


def contains_personal_number(text: str) -> bool:
    for match in _CANDIDATE.finditer(text or ""):
        century, date, last = match.groups()
        if century and century not in ("18", "19", "20"):
            continue
        digits = date + last
        if _plausible(date) and luhn.is_valid(digits):
            return True
    return False


def check_no_personal_number(parts: dict[str, str]) -> None:
    """Raise PersonalDataInEmail naming the first part (not the value) that holds one."""
    for where, text in parts.items():
        if contains_personal_number(text):
            raise PersonalDataInEmail(f"e-mail {where} looks like it contains a personal identity number")
