"""content/identity.yaml: the OpenID Connect providers (pure: reads and checks the file).

Each provider has a key (used in its redirect URI and stored with accounts and signatures), a
Swedish label, a kind ("staff": single sign-on for personnel; "citizen": e-legitimation for
signing a consent), its discovery URL, client id, the environment variable that holds its client
secret, the scopes it asks for, the claims the portal reads, and the assurance levels its `acr`
values stand for. See docs/identity.md."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..content_errors import ContentFileError
from ..yaml_lines import read_yaml_with_lines

KINDS = ("staff", "citizen")
LEVELS = ("low", "substantial", "high")
ORDER = {level: i for i, level in enumerate(LEVELS)}
PERSONAL_NUMBER_CLAIM = "https://id.oidc.se/claim/personalIdentityNumber"


class IdentityConfigError(ContentFileError):
    pass


@dataclass(frozen=True)
class ProviderConfig:
    key: str
    kind: str
    label: str
    discovery: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    claims: dict[str, str]
    assurance: dict[str, str]          # acr value -> low | substantial | high
    default_assurance: str             # when the ID token has no acr the map knows
    minimum_assurance: str             # lower is refused (citizen providers)
    acr_values: str = ""               # asked for in the authorization request
    unit_groups: dict[str, str] = field(default_factory=dict)  # group claim value -> unit key (staff)
    logout: bool = True                # offer the provider's end_session_endpoint after sign-out

    def claim(self, name: str) -> str:
        return self.claims.get(name, name)


@dataclass(frozen=True)
class IdentityConfig:
    providers: dict[str, ProviderConfig] = field(default_factory=dict)
    password_login: bool = True
    require_eid_for: frozenset[str] = frozenset()   # authority keys (huvudmän)
    state_minutes: int = 10

    def of_kind(self, kind: str) -> list[ProviderConfig]:
        return [p for p in self.providers.values() if p.kind == kind]


DEFAULT_CLAIMS = {
    "staff": {"email": "email", "name": "name", "groups": "groups"},
    "citizen": {"personal_number": PERSONAL_NUMBER_CLAIM, "name": "name"},
}
DEFAULT_SCOPES = {"staff": ("openid", "email", "profile"), "citizen": ("openid", "profile")}


def load_identity_config(path: Path | str, environ=None, unit_keys=None) -> IdentityConfig:
    """Reads the file; a missing file means no providers (password sign-in, e-mail codes)."""
    environ = os.environ if environ is None else environ
    path = Path(path)
    if not path.exists():
        return IdentityConfig()
    data = read_yaml_with_lines(path, IdentityConfigError) or {}   # the file, line and problem on an error

    def fail(problem: str):
        raise IdentityConfigError(path, None, problem)

    if not isinstance(data, dict):
        fail("filen ska vara en mappning")

    providers: dict[str, ProviderConfig] = {}
    for i, node in enumerate(data.get("providers") or [], start=1):
        if not isinstance(node, dict):
            fail(f"leverantör {i} ska vara en mappning")
        key = str(node.get("key") or "")
        if not key or not key.replace("-", "").replace("_", "").isalnum() or len(key) > 40:
            fail(f"leverantör {i}: 'key' saknas eller innehåller annat än bokstäver, siffror, - och _ (högst 40 tecken)")
        if key in providers:
            fail(f"leverantören '{key}' finns två gånger")
        kind = node.get("kind")
        if kind not in KINDS:
            fail(f"leverantören '{key}': 'kind' ska vara staff eller citizen")
        for required in ("label", "discovery", "client_id"):
            if not node.get(required):
                fail(f"leverantören '{key}': '{required}' saknas")
        secret_env = node.get("client_secret_env") or ""
        secret = environ.get(secret_env, "") if secret_env else ""
        assurance = {str(k): str(v) for k, v in (node.get("assurance") or {}).items()}
        for acr, level in assurance.items():
            if level not in LEVELS:
                fail(f"leverantören '{key}': tillitsnivån för '{acr}' ska vara low, substantial eller high")
        default_level = str(node.get("default_assurance") or "low")
        minimum = str(node.get("minimum_assurance") or ("substantial" if kind == "citizen" else "low"))
        for name, level in (("default_assurance", default_level), ("minimum_assurance", minimum)):
            if level not in LEVELS:
                fail(f"leverantören '{key}': '{name}' ska vara low, substantial eller high")
        unit_groups = {str(k): str(v) for k, v in (node.get("unit_groups") or {}).items()}
        if unit_keys is not None:
            unknown = sorted(set(unit_groups.values()) - set(unit_keys))
            if unknown:
                fail(f"leverantören '{key}': okända enheter i unit_groups: {', '.join(unknown)}")
        providers[key] = ProviderConfig(
            key=key, kind=kind, label=str(node["label"]), discovery=str(node["discovery"]),
            client_id=str(node["client_id"]), client_secret=secret,
            scopes=tuple(node.get("scopes") or DEFAULT_SCOPES[kind]),
            claims={**DEFAULT_CLAIMS[kind], **{str(k): str(v) for k, v in (node.get("claims") or {}).items()}},
            assurance=assurance, default_assurance=default_level, minimum_assurance=minimum,
            acr_values=str(node.get("acr_values") or ""), unit_groups=unit_groups,
            logout=bool(node.get("logout", True)))
    consent = data.get("consent") or {}
    staff_login = data.get("staff_login") or {}
    password_login = bool(staff_login.get("password", True))
    if not password_login and not any(p.kind == "staff" for p in providers.values()):
        fail("staff_login.password är av men ingen leverantör av typen staff finns: ingen skulle kunna logga in")
    require_eid_for = frozenset(str(k) for k in consent.get("require_eid_for") or ())
    if require_eid_for and not any(p.kind == "citizen" for p in providers.values()):
        fail("consent.require_eid_for kräver e-legitimation men ingen leverantör av typen citizen finns")
    return IdentityConfig(providers=providers, password_login=password_login,
                          require_eid_for=require_eid_for,
                          state_minutes=int(data.get("state_minutes") or 10))
