"""Pure rules for what a provider's verified claims mean to the portal."""
from __future__ import annotations

from ..personal_number import PersonalNumberError, parse_personal_number
from .config import ORDER, ProviderConfig

# The Swedish eID framework's (DIGG) levels, for showing an acr value in plain words.
ACR_LABELS = {
    "http://id.elegnamnden.se/loa/1.0/loa2": "LoA2",
    "http://id.elegnamnden.se/loa/1.0/loa3": "LoA3",
    "http://id.elegnamnden.se/loa/1.0/loa4": "LoA4",
    "http://id.elegnamnden.se/loa/1.0/eidas-low": "eIDAS låg",
    "http://id.elegnamnden.se/loa/1.0/eidas-sub": "eIDAS väsentlig",
    "http://id.elegnamnden.se/loa/1.0/eidas-high": "eIDAS hög",
}


def acr_label(acr: str) -> str:
    return ACR_LABELS.get(acr, acr)


def assurance_of(provider: ProviderConfig, claims: dict) -> str:
    """The assurance level ("low", "substantial", "high") the ID token's acr stands for."""
    return provider.assurance.get(str(claims.get("acr") or ""), provider.default_assurance)


def meets(level: str, minimum: str) -> bool:
    return ORDER.get(level, -1) >= ORDER.get(minimum, 0)


def same_person(claimed: str | None, stored: str | None) -> bool:
    """True when both are valid personal numbers of the same person (any common notation)."""
    if not claimed or not stored:
        return False
    try:
        return parse_personal_number(str(claimed)).formatted == parse_personal_number(str(stored)).formatted
    except PersonalNumberError:
        return False


def units_from_groups(provider: ProviderConfig, claims: dict) -> set[str] | None:
    """The unit keys the configured group mapping grants, or None when the provider maps none
    (then units are granted in the portal, by an administrator or the unit's manager)."""
    if not provider.unit_groups:
        return None
    groups = claims.get(provider.claim("groups")) or []
    if isinstance(groups, str):
        groups = [groups]
    return {provider.unit_groups[g] for g in groups if isinstance(g, str) and g in provider.unit_groups}
