"""The organisation directory: authorities (huvudmän), services (verksamheter) with a type,
units (enheter) and their managers, read from content/directory.yaml.

A broken file raises DirectoryError naming the file, the line and the problem."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


from .. import yaml_lines
from ..content_errors import ContentFileError
from ..yaml_lines import line_of

FILE_NAME = "directory.yaml"
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
AUTHORITY_KINDS = {"kommun": "Kommun", "region": "Region", "stat": "Statlig myndighet", "enskild": "Enskild huvudman"}
SECTORS = {
    "skola": "Skola",
    "socialtjanst": "Socialtjänst",
    "halso-och-sjukvard": "Hälso- och sjukvård",
    "tandvard": "Tandvård",
    "polis": "Polis",
    "annan": "Annan",
}
# Sectors the law makes responsible for a SIP (socialtjänst and hälso- och sjukvård).
PLAN_OWNER_SECTORS = {"socialtjanst", "halso-och-sjukvard"}


class DirectoryError(ContentFileError):
    pass


@dataclass(frozen=True)
class ServiceType:
    key: str
    name: str
    sector: str


@dataclass(frozen=True)
class ManagerRole:
    key: str
    name: str


@dataclass(frozen=True)
class Manager:
    name: str
    email: str
    role: str  # ManagerRole key
    unit_key: str | None
    service_key: str


@dataclass
class Unit:
    key: str
    name: str
    service_key: str
    managers: list[Manager] = field(default_factory=list)
    email: str = ""
    phone: str = ""


@dataclass
class Service:
    key: str
    name: str
    type: str
    authority_key: str
    department: str = ""
    managers: list[Manager] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)


@dataclass
class Authority:
    key: str
    name: str
    kind: str
    services: list[Service] = field(default_factory=list)
    # The routine (content/processes/<key>.yaml) a case opened in one of its units follows unless
    # staff choose another; "" for the portal's default (PORTAL_DEFAULT_PROCESS).
    process: str = ""


@dataclass
class Directory:
    path: Path
    service_types: dict[str, ServiceType]
    manager_roles: dict[str, ManagerRole]
    authorities: dict[str, Authority]
    services: dict[str, Service]
    units: dict[str, Unit]

    def unit(self, key: str) -> Unit:
        return self.units[key]

    def service_of(self, unit_key: str) -> Service:
        return self.services[self.units[unit_key].service_key]

    def service_type_of(self, unit_key: str) -> ServiceType:
        return self.service_types[self.service_of(unit_key).type]

    def authority_of(self, unit_key: str) -> Authority:
        return self.authorities[self.service_of(unit_key).authority_key]

    def unit_label(self, unit_key: str) -> str:
        if unit_key not in self.units:
            return f"Okänd enhet ({unit_key})"
        unit, service = self.units[unit_key], self.service_of(unit_key)
        return f"{unit.name} ({service.name}, {self.authorities[service.authority_key].name})"

    def contact(self, unit_key: str) -> dict[str, str]:
        """Whom a family asks (e-mails about meetings and plans): the unit's name, e-mail and phone."""
        unit = self.units.get(unit_key)
        if unit is None:
            return {"name": "", "email": "", "phone": ""}
        return {"name": unit.name, "email": unit.email, "phone": unit.phone}

    def managers_of(self, unit_key: str, roles: list[str] | None = None) -> list[Manager]:
        """Managers of the unit and of its service, optionally only those with the given roles."""
        unit = self.units[unit_key]
        found = list(unit.managers) + list(self.services[unit.service_key].managers)
        if roles is not None:
            found = [m for m in found if m.role in roles]
        return found

    def all_managers(self) -> list[Manager]:
        result = []
        for service in self.services.values():
            result.extend(service.managers)
            for unit in service.units:
                result.extend(unit.managers)
        return result

    def role_name(self, role_key: str) -> str:
        role = self.manager_roles.get(role_key)
        return role.name if role else role_key

    def unit_choices(self, only: set[str] | None = None) -> list[tuple[str, str]]:
        return [
            (key, self.unit_label(key))
            for key in self.units
            if only is None or key in only
        ]

    def grouped_units(self):
        """[(authority, [(service, [unit, ...]), ...]), ...] in file order."""
        return [(a, [(s, s.units) for s in a.services]) for a in self.authorities.values()]

    def is_plan_owner_sector(self, unit_key: str) -> bool:
        return self.service_type_of(unit_key).sector in PLAN_OWNER_SECTORS


def read_yaml_with_lines(path: Path):
    """The file's data with line numbers (portal.yaml_lines); a broken file raises DirectoryError."""
    return yaml_lines.read_yaml_with_lines(path, DirectoryError)


def load_directory(content_dir: Path | str) -> Directory:
    path = Path(content_dir) / FILE_NAME
    data = read_yaml_with_lines(path)
    if not isinstance(data, dict):
        raise DirectoryError(path, 1, "filen ska innehålla nycklarna service_types, manager_roles och authorities")
    p = _Parser(path)
    return p.parse(data)


class _Parser:
    def __init__(self, path: Path):
        self.path = path
        self.seen_keys: dict[str, int] = {}

    def fail(self, node, problem):
        line = line_of(node) if isinstance(node, dict) else None
        raise DirectoryError(self.path, line, problem)

    def req(self, node, name, what):
        if not isinstance(node, dict):
            raise DirectoryError(self.path, None, f"{what} ska vara en mappning med nycklar")
        value = node.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.fail(node, f"{what} saknar '{name}'")
        return value.strip() if isinstance(value, str) else value

    def key(self, node, what):
        value = str(self.req(node, "key", what))
        if not KEY_RE.match(value):
            self.fail(node, f"{what}: nyckeln '{value}' får bara innehålla a–z, 0–9 och bindestreck")
        if value in self.seen_keys:
            self.fail(node, f"{what}: nyckeln '{value}' används redan på rad {self.seen_keys[value]}")
        self.seen_keys[value] = line_of(node)
        return value

    def listof(self, node, name, what):
        value = node.get(name) if isinstance(node, dict) else None
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(node, f"'{name}' i {what} ska vara en lista")
        return value

    def parse(self, data) -> Directory:
        types = {}
        for node in self.listof(data, "service_types", "katalogen"):
            key = self.key(node, "verksamhetstyp")
            sector = self.req(node, "sector", f"verksamhetstypen '{key}'")
            if sector not in SECTORS:
                self.fail(node, f"verksamhetstypen '{key}' har okänd sektor '{sector}' (tillåtna: {', '.join(SECTORS)})")
            types[key] = ServiceType(key, self.req(node, "name", f"verksamhetstypen '{key}'"), sector)
        if not types:
            self.fail(data, "inga verksamhetstyper (service_types) finns")
        roles = {}
        for node in self.listof(data, "manager_roles", "katalogen"):
            key = self.key(node, "chefsroll")
            roles[key] = ManagerRole(key, self.req(node, "name", f"chefsrollen '{key}'"))
        authorities, services, units = {}, {}, {}
        for anode in self.listof(data, "authorities", "katalogen"):
            akey = self.key(anode, "huvudman")
            kind = self.req(anode, "kind", f"huvudmannen '{akey}'")
            if kind not in AUTHORITY_KINDS:
                self.fail(anode, f"huvudmannen '{akey}' har okänd sort '{kind}' (tillåtna: {', '.join(AUTHORITY_KINDS)})")
            authority = Authority(akey, self.req(anode, "name", f"huvudmannen '{akey}'"), kind,
                                  process=str(anode.get("process") or ""))
            for snode in self.listof(anode, "services", f"huvudmannen '{akey}'"):
                skey = self.key(snode, "verksamhet")
                stype = self.req(snode, "type", f"verksamheten '{skey}'")
                if stype not in types:
                    self.fail(snode, f"verksamheten '{skey}' har okänd typ '{stype}'")
                service = Service(skey, self.req(snode, "name", f"verksamheten '{skey}'"), stype, akey,
                                  department=str(snode.get("department") or ""))
                service.managers = self.managers(snode, roles, None, skey, f"verksamheten '{skey}'")
                for unode in self.listof(snode, "units", f"verksamheten '{skey}'"):
                    ukey = self.key(unode, "enhet")
                    unit = Unit(ukey, self.req(unode, "name", f"enheten '{ukey}'"), skey,
                                email=str(unode.get("email") or ""), phone=str(unode.get("phone") or ""))
                    unit.managers = self.managers(unode, roles, ukey, skey, f"enheten '{ukey}'")
                    service.units.append(unit)
                    units[ukey] = unit
                if not service.units:
                    self.fail(snode, f"verksamheten '{skey}' har inga enheter (units)")
                authority.services.append(service)
                services[skey] = service
            authorities[akey] = authority
        if not units:
            self.fail(data, "katalogen innehåller inga enheter")
        return Directory(self.path, types, roles, authorities, services, units)

    def managers(self, node, roles, unit_key, service_key, what):
        result = []
        for mnode in self.listof(node, "managers", what):
            name = self.req(mnode, "name", f"en chef i {what}")
            email = str(self.req(mnode, "email", f"chefen '{name}' i {what}")).lower()
            if not EMAIL_RE.match(email):
                self.fail(mnode, f"chefen '{name}' i {what} har en ogiltig e-postadress '{email}'")
            role = self.req(mnode, "role", f"chefen '{name}' i {what}")
            if role not in roles:
                self.fail(mnode, f"chefen '{name}' i {what} har okänd chefsroll '{role}'")
            result.append(Manager(name, email, role, unit_key, service_key))
        return result
