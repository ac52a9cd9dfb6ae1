"""Identity providers: how a signer shows who they are before they see anything about the child.

A provider has a name (stored with each signature), a Swedish label, and an assurance level in
eIDAS-like wording ("low", "substantial", "high"; shown as "låg", "väsentlig", "hög").

Remote providers verify a signer who opened a personal link. They implement
`handle(link, token) -> Response | Verified`: the view /samtycke/s/<token>/identifiera/<name> calls it on
GET and POST; it returns a page (ask for a code, poll an app ...) until the person is verified,
then a `Verified`. BankID or Freja eID are added by registering another provider:

    register_provider(app, BankIdProvider())     # in the new provider's init_app
    PORTAL_CONSENT_IDENTITY_PROVIDERS=bankid,email_otp

In-person verification (the family is in the room and the staff member confirms who they are)
is the "in_person_staff_verified" provider; the staff user is stored with the signature."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..hooks import hook_dict, hook_list

ASSURANCE_LABELS = {"low": "låg", "substantial": "väsentlig", "high": "hög"}


@dataclass(frozen=True)
class Verified:
    provider: str
    method: str
    assurance: str
    staff_user_id: int | None = None
    verified_name: str = ""   # the name the eID provider vouches for
    acr: str = ""             # the provider's authentication context (e.g. LoA3)


class IdentityProvider(Protocol):
    name: str
    label: str
    assurance: str
    remote: bool

    def handle(self, link, token: str):  # pragma: no cover - protocol
        ...


def register_provider(app, provider) -> None:
    hook_dict(app, "identity_providers")[provider.name] = provider


def _providers() -> dict[str, IdentityProvider]:
    return hook_dict(None, "identity_providers")


def get_provider(name: str):
    return _providers().get(name)


def enabled_remote_providers(config) -> list:
    names = [n.strip() for n in str(config.get("PORTAL_CONSENT_IDENTITY_PROVIDERS", "email_otp")).split(",") if n.strip()]
    return [p for n in names if (p := _providers().get(n)) is not None and p.remote]


def register_provider_filter(app, fn) -> None:
    """fn(link, providers) -> providers: e.g. only e-legitimation where the authority requires it."""
    hook_list(app, "identity_filters").append(fn)


def providers_for(link, config) -> list:
    """The remote providers a signer with this link may use."""
    providers = enabled_remote_providers(config)
    for fn in hook_list(None, "identity_filters"):
        providers = fn(link, providers)
    return providers


def provider_label(name: str) -> str:
    p = _providers().get(name)
    return p.label if p else name


def assurance_label(level: str) -> str:
    return ASSURANCE_LABELS.get(level, level)


class InPersonProvider:
    """The signer is in the room; the staff member confirms their identity on their own device."""

    name = "in_person_staff_verified"
    label = "På plats – personalen har kontrollerat identiteten"
    assurance = "substantial"
    remote = False

    def verified(self, staff_user) -> Verified:
        return Verified(self.name, self.name, self.assurance, staff_user.id)

    def handle(self, link, token: str):  # not reachable through a link
        return None
