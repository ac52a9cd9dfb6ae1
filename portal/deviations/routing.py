"""Who receives a deviation report: routing rules as configuration (content/deviation_routing.yaml)
and the pure function route().

    rules = load_rules(content_dir, directory)          # RoutingError (file, line) when broken
    result = route(directory, rules, reporter_unit, concerned_unit)
    result.recipients         # managers who receive the report and co-sign it (line managers)
    result.copies             # managers who get a copy
    result.concerned_copies   # the concerned organisation's managers (copy once co-signed)
    result.matched_rule       # the Rule, or None
    result.problems           # Swedish sentences: why the report needs an administrator
    result.needs_admin        # True when nobody can receive it: it goes to the admin queue

Importing this module registers a `portal directory check` warning for units without a route."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..directory.loader import Directory, DirectoryError, Manager, read_yaml_with_lines
from ..yaml_lines import line_of

FILE_NAME = "deviation_routing.yaml"
PICKS = ("all", "nearest")
OTHERWISE = ("nearest_manager", "admin")
NEAREST_KEY = "narmaste-chef"
CONCERNED_MODES = ("rules", "unit_managers")


class RoutingError(DirectoryError):
    """A broken routing file: names the file, the line and the problem (Swedish)."""


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    service_types: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    copies: tuple[str, ...] = ()
    pick: str = "all"
    line: int | None = None

    def describe(self) -> str:
        """For `portal routing explain` and administrators: the key and the file's line."""
        where = f", rad {self.line}" if self.line else ""
        return f"{self.label} ({self.key}{where})"

    def plain(self, directory: Directory) -> str:
        """The rule in plain words, for everyone: no keys, files or lines."""
        def names(keys):
            return " eller ".join(directory.role_name(k).lower() for k in keys)
        if self.key == NEAREST_KEY:
            return ("Rapporten går till den närmaste chefen på rapportörens arbetsplats "
                    "(rutinen för avvikelsehantering: rapportören informerar sin närmaste chef).")
        text = f"{self.label}: rapporten går till {names(self.recipients)}"
        if self.copies:
            text += f", med kopia till {names(self.copies)}"
        return text + "."


@dataclass(frozen=True)
class RoutingRules:
    rules: tuple[Rule, ...]
    concerned_copy_to: str = "rules"
    path: Path | None = None
    # A unit no rule names: its report goes to the unit's nearest manager (Norrbus bilaga 4:
    # the reporter "informerar sin närmaste chef"), or with otherwise: admin to the admin queue.
    otherwise: Rule | None = None

    def by_key(self, key: str) -> Rule | None:
        for rule in self.rules + ((self.otherwise,) if self.otherwise else ()):
            if rule.key == key:
                return rule
        return None

    def rule_for(self, directory: Directory, unit_key: str) -> Rule | None:
        """A rule naming the unit wins over a rule for the unit's service type (first in file order)."""
        if unit_key not in directory.units:
            return None
        for rule in self.rules:
            if unit_key in rule.units:
                return rule
        service_type = directory.service_of(unit_key).type
        for rule in self.rules:
            if service_type in rule.service_types:
                return rule
        return None


@dataclass
class RoutingResult:
    recipients: list[Manager] = field(default_factory=list)
    copies: list[Manager] = field(default_factory=list)
    concerned_copies: list[Manager] = field(default_factory=list)
    matched_rule: Rule | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def needs_admin(self) -> bool:
        return not self.recipients


# --- Loading -------------------------------------------------------------------------------

def load_rules(content_dir: Path | str, directory: Directory) -> RoutingRules:
    path = Path(content_dir) / FILE_NAME
    try:
        data = read_yaml_with_lines(path)
    except DirectoryError as exc:
        raise RoutingError(path, exc.line, exc.problem) from None
    return _Parser(path, directory).parse(data)


class _Parser:
    def __init__(self, path: Path, directory: Directory):
        self.path, self.directory = path, directory

    def fail(self, node, problem):
        raise RoutingError(self.path, line_of(node), problem)

    def keys(self, node, name, known, what, unknown):
        value = node.get(name)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(node, f"'{name}' i {what} ska vara en lista med nycklar")
        for v in value:
            if v not in known:
                self.fail(node, f"{what}: {unknown} '{v}' finns inte i organisationskatalogen")
        return tuple(value)

    def parse(self, data) -> RoutingRules:
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            raise RoutingError(self.path, line_of(data) or 1,
                               "filen ska innehålla en lista 'rules' med regler")
        rules, seen = [], {}
        for node in data["rules"]:
            if not isinstance(node, dict):
                self.fail(data, "varje regel ska vara en mappning med key, recipients och service_types eller units")
            key = node.get("key")
            if not isinstance(key, str) or not key.strip():
                self.fail(node, "en regel saknar 'key'")
            if key in seen:
                self.fail(node, f"regeln '{key}' finns redan på rad {seen[key]}")
            seen[key] = line_of(node)
            what = f"regeln '{key}'"
            unknown = set(node) - {"key", "label", "service_types", "units", "recipients", "copies", "pick"}
            if unknown:
                self.fail(node, f"{what} har okända nycklar: {', '.join(sorted(unknown))}")
            service_types = self.keys(node, "service_types", self.directory.service_types, what, "verksamhetstypen")
            units = self.keys(node, "units", self.directory.units, what, "enheten")
            if not service_types and not units:
                self.fail(node, f"{what} gäller ingenting: ange service_types eller units")
            roles = self.directory.manager_roles
            recipients = self.keys(node, "recipients", roles, what, "chefsrollen")
            if not recipients:
                self.fail(node, f"{what} saknar 'recipients' (chefsroller som tar emot rapporten)")
            copies = self.keys(node, "copies", roles, what, "chefsrollen")
            pick = node.get("pick", "all")
            if pick not in PICKS:
                self.fail(node, f"{what}: 'pick' ska vara {' eller '.join(PICKS)}, inte '{pick}'")
            rules.append(Rule(key=key, label=str(node.get("label") or key), service_types=service_types, units=units,
                              recipients=recipients, copies=copies, pick=pick, line=line_of(node)))
        concerned = data.get("concerned") or {}
        if not isinstance(concerned, dict):
            self.fail(data, "'concerned' ska vara en mappning")
        copy_to = concerned.get("copy_to", "rules")
        if copy_to not in CONCERNED_MODES:
            self.fail(concerned, f"'copy_to' ska vara {' eller '.join(CONCERNED_MODES)}, inte '{copy_to}'")
        otherwise = data.get("otherwise", "nearest_manager")
        if otherwise not in OTHERWISE:
            self.fail(data, f"'otherwise' ska vara {' eller '.join(OTHERWISE)}, inte '{otherwise}'")
        fallback = None
        if otherwise == "nearest_manager":
            fallback = Rule(key=NEAREST_KEY, label="Närmaste chef", pick="nearest")
        return RoutingRules(tuple(rules), copy_to, self.path, fallback)


# --- Routing (pure) --------------------------------------------------------------------------

def _managers(directory: Directory, unit_key: str, roles: tuple[str, ...], pick: str) -> list[Manager]:
    unit = directory.units[unit_key]
    own = [m for m in unit.managers if m.role in roles]
    service = [m for m in directory.services[unit.service_key].managers if m.role in roles]
    if pick == "nearest":
        found = own or service
    else:
        found = own + service
    # The order of the roles in the rule, then unit before service.
    return sorted(found, key=lambda m: roles.index(m.role))


def _nearest_managers(directory: Directory, unit_key: str) -> list[Manager]:
    unit = directory.units[unit_key]
    return list(unit.managers) or list(directory.services[unit.service_key].managers)


def _unique(managers: list[Manager], exclude: list[Manager] = ()) -> list[Manager]:
    seen = {m.email for m in exclude}
    result = []
    for m in managers:
        if m.email not in seen:
            seen.add(m.email)
            result.append(m)
    return result


def route(directory: Directory, rules: RoutingRules, reporter_unit: str, concerned_unit: str | None) -> RoutingResult:
    """Who receives a report from `reporter_unit` about `concerned_unit` (pure: no database, no request)."""
    result = RoutingResult()
    if reporter_unit not in directory.units:
        result.problems.append(f"Rapportörens enhet '{reporter_unit}' finns inte i organisationskatalogen.")
    else:
        rule = rules.rule_for(directory, reporter_unit)
        result.matched_rule = rule
        service_type = directory.service_type_of(reporter_unit)
        if rule is not None:
            result.recipients = _unique(_managers(directory, reporter_unit, rule.recipients, rule.pick))
        if rule is not None and not result.recipients:
            roles = ", ".join(directory.role_name(r).lower() for r in rule.recipients)
            result.problems.append(
                f"Regeln {rule.label} hittar ingen chef ({roles}) för {directory.unit_label(reporter_unit)} "
                "i organisationskatalogen.")
        if not result.recipients and rules.otherwise is not None:
            # Every report reaches a manager: the unit's own, or its service's.
            result.recipients = _unique(_nearest_managers(directory, reporter_unit))
            if result.recipients:
                result.matched_rule = rules.otherwise
        if rule is None and not result.recipients:
            result.problems.append(
                f"Ingen regel för avvikelserapporter gäller {directory.unit_label(reporter_unit)} "
                f"(verksamhetstyp {service_type.name}) och enheten har ingen chef i organisationskatalogen.")
        if rule is not None and result.recipients:
            if rule.copies and result.matched_rule is rule:
                result.copies = _unique(_managers(directory, reporter_unit, rule.copies, "all"), result.recipients)
                if not _managers(directory, reporter_unit, rule.copies, "all"):
                    roles = ", ".join(directory.role_name(r).lower() for r in rule.copies)
                    result.problems.append(f"Ingen chef med rollen {roles} finns för kopian.")
    if concerned_unit:
        if concerned_unit not in directory.units:
            result.problems.append(f"Den berörda enheten '{concerned_unit}' finns inte i organisationskatalogen.")
        else:
            result.concerned_copies = _unique(concerned_managers(directory, rules, concerned_unit))
            if not result.concerned_copies:
                result.problems.append(
                    f"Den berörda verksamheten {directory.unit_label(concerned_unit)} har ingen chef i "
                    "organisationskatalogen som kan få kopian.")
    return result


def concerned_managers(directory: Directory, rules: RoutingRules, unit_key: str) -> list[Manager]:
    """The managers of the concerned organisation who get a copy."""
    if rules.concerned_copy_to == "rules":
        rule = rules.rule_for(directory, unit_key)
        if rule is not None:
            found = _managers(directory, unit_key, rule.recipients, rule.pick)
            if found:
                return found
    return _nearest_managers(directory, unit_key)


def explain_lines(directory: Directory, rules: RoutingRules, result: RoutingResult) -> list[str]:
    """The routing as Swedish text lines (CLI and pages share the wording)."""
    def who(m: Manager) -> str:
        place = directory.units[m.unit_key].name if m.unit_key else directory.services[m.service_key].name
        return f"{m.name} <{m.email}>, {directory.role_name(m.role)}, {place}"

    lines = []
    source = rules.path.name if rules.path else FILE_NAME
    if result.matched_rule is not None and result.matched_rule.key == NEAREST_KEY:
        lines.append(f"Regel: ingen regel passar; otherwise: nearest_manager i {source} (enhetens närmaste chef)")
    elif result.matched_rule:
        lines.append(f"Regel: {result.matched_rule.label} ({result.matched_rule.key}, rad {result.matched_rule.line} i {source})")
    else:
        lines.append("Regel: ingen regel passar")
    for title, managers in (("Mottagare (tar emot och skriver under som närmaste chef)", result.recipients),
                            ("Kopia", result.copies),
                            ("Kopia till den berörda verksamheten (när chefen har skrivit under)", result.concerned_copies)):
        lines.append(f"{title}:")
        lines.extend(f"  - {who(m)}" for m in managers)
        if not managers:
            lines.append("  (ingen)")
    if result.needs_admin:
        lines.append("Rapporten går till administratörernas kö (Avvikelser utan mottagare) och markeras där.")
    for problem in result.problems:
        lines.append(f"Problem: {problem}")
    return lines


# --- Directory check ---------------------------------------------------------------------------

def units_without_route(directory: Directory, content_dir) -> list[str]:
    """`portal directory check`: units whose deviation reports would go to the admin queue."""
    try:
        rules = load_rules(content_dir, directory)
    except RoutingError as exc:
        return [f"avvikelserapporter kan inte fördelas: {exc}"]
    warnings = []
    for unit in directory.units.values():
        result = route(directory, rules, unit.key, None)
        if result.needs_admin:
            reason = "varken en regel i " + FILE_NAME + " eller enhetens närmaste chef hittar någon chef"
            warnings.append(f"enheten '{unit.key}' ({unit.name}) har ingen väg för avvikelserapporter ({reason}); "
                            "rapporterna hamnar i administratörernas kö")
    return warnings

