"""The typed signature name against the name on the case (portal.consent.names, pure)."""
import pytest

from portal.consent.names import name_matches


@pytest.mark.parametrize("typed", [
    "Anna Maria Lind Svensson", "anna maria lind svensson", "  Anna   Svensson ", "Maria Svensson",
    "Anna Lind Svensson", "ANNA SVENSSON",
])
def test_the_registered_name_with_or_without_middle_names_matches(typed):
    assert name_matches(typed, "Anna Maria Lind Svensson")


@pytest.mark.parametrize("typed", [
    "Kalle Anka", "Anna Lind", "Svensson", "Anna", "Anna Karin Svensson", "Svensson Anna", "", "   ",
])
def test_other_names_do_not_match(typed):
    assert not name_matches(typed, "Anna Maria Lind Svensson")


def test_accents_and_hyphens_are_ignored():
    assert name_matches("Asa Ostlund-Ek", "Åsa Östlund-Ek")
    assert name_matches("Åsa Östlund Ek", "Åsa Östlund-Ek")
    assert name_matches("Rene Lefevre", "René Lefèvre")
    assert not name_matches("Asa Ostlund", "Åsa Östlund-Ek")


def test_a_one_word_name_must_be_typed_as_it_is():
    assert name_matches("Zlatan", "Zlatan")
    assert not name_matches("Zlatan Ibra", "Zlatan")
