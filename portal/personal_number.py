"""Swedish personnummer and samordningsnummer: a pure function, no request needed.

Checksum (Luhn) and separators come from python-stdnum; the samordningsnummer's
day + 60 and the plausibility of the date are checked here."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import personnummer as stdnum_pnr

from .timeutil import today_local


class PersonalNumberError(ValueError):
    """A personal number that is not valid, with a Swedish message for the user."""


@dataclass(frozen=True)
class PersonalNumber:
    formatted: str  # YYYYMMDD-NNNN
    birth_date: dt.date
    coordination: bool  # samordningsnummer

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


def parse_personal_number(text: str, today: dt.date | None = None) -> PersonalNumber:
    today = today or today_local()
    raw = (text or "").strip()
    if not raw:
        raise PersonalNumberError("Ange personnummer eller samordningsnummer")
    cleaned = stdnum_pnr.compact(raw)  # e.g. "20100101-1234" or "100101-1234"
    digits = cleaned.replace("-", "").replace("+", "")
    if not digits.isdigit() or len(digits) not in (10, 12):
        raise PersonalNumberError(
            "Personnumret ska skrivas med 10 eller 12 siffror, till exempel 20150314-1234"
        )
    try:
        luhn.validate(digits[-10:])
    except StdnumError:
        raise PersonalNumberError("Personnumret stämmer inte: kontrollsiffran är fel. Kontrollera siffrorna") from None
    plus = "+" in cleaned
    if len(digits) == 12:
        year = int(digits[:4])
        month, day = int(digits[4:6]), int(digits[6:8])
    else:
        yy = int(digits[:2])
        century = today.year // 100
        if yy > today.year % 100:
            century -= 1
        if plus:
            century -= 1
        year = century * 100 + yy
        month, day = int(digits[2:4]), int(digits[4:6])
    coordination = day > 60
    if coordination:
        day -= 60
    try:
        birth = dt.date(year, month, day)
    except ValueError:
        raise PersonalNumberError("Personnumret innehåller ett datum som inte finns") from None
    if birth > today:
        raise PersonalNumberError("Personnumret innehåller ett datum som ligger i framtiden")
    if birth.year < 1880:
        raise PersonalNumberError("Personnumret innehåller ett datum som inte är rimligt")
    formatted = f"{year:04d}{digits[-8:-4]}-{digits[-4:]}"
    return PersonalNumber(formatted=formatted, birth_date=birth, coordination=coordination)
