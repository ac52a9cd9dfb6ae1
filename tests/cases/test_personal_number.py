import datetime as dt

import pytest

from portal.personal_number import PersonalNumberError, parse_personal_number

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize("text,formatted,born", [
    ("20120415-2381", "20120415-2381", dt.date(2012, 4, 15)),
    ("201204152381", "20120415-2381", dt.date(2012, 4, 15)),
    ("120415-2381", "20120415-2381", dt.date(2012, 4, 15)),
    (" 20120415 2381 ", "20120415-2381", dt.date(2012, 4, 15)),
    ("880320-0016", "19880320-0016", dt.date(1988, 3, 20)),
])
def test_valid_personal_numbers_are_normalised_to_twelve_digits(text, formatted, born):
    parsed = parse_personal_number(text, today=TODAY)
    assert (parsed.formatted, parsed.birth_date, parsed.coordination) == (formatted, born, False)


def test_samordningsnummer_has_day_plus_sixty():
    parsed = parse_personal_number("150374-1231", today=TODAY)
    assert parsed.coordination and parsed.birth_date == dt.date(2015, 3, 14)
    assert parsed.formatted == "20150374-1231"


@pytest.mark.parametrize("text,message", [
    ("20120415-2388", "kontrollsiffran är fel"),
    ("20120231-1237", "datum som inte finns"),      # 31 February, valid checksum
    ("20271201-1234", "i framtiden"),            # valid checksum
    ("2012-04-15", "10 eller 12 siffror"),
    ("abc", "10 eller 12 siffror"),
    ("", "Ange personnummer"),
])
def test_invalid_personal_numbers_get_a_clear_swedish_message(text, message):
    with pytest.raises(PersonalNumberError) as err:
        parse_personal_number(text, today=TODAY)
    assert message in str(err.value)


def test_age_is_counted_from_the_birth_date():
    parsed = parse_personal_number("20120415-2381", today=TODAY)
    assert parsed.age_on(dt.date(2026, 4, 14)) == 13
    assert parsed.age_on(dt.date(2026, 4, 15)) == 14
