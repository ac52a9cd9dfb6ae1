"""The yearly compilation (årssammanställning) of deviation reports – pure functions.

Reports are counted by the date they were submitted (the report's date), in Swedish time.
Time to close is counted in working days (arbetsdagar: not Saturday, Sunday, a public holiday,
julafton, midsommarafton or nyårsafton) from the day after submission to the day of closing,
and also in calendar days."""
from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from functools import lru_cache

import holidays

from .lifecycle import SUBMITTED_STATUSES, DeviationStatus

MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december"]


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[dt.date]:
    days = set(holidays.country_holidays("SE", years=year).keys())
    days.add(dt.date(year, 12, 24))   # julafton
    days.add(dt.date(year, 12, 31))   # nyårsafton
    # midsommarafton: the Friday between 19 and 25 June
    days.update(d for d in (dt.date(year, 6, n) for n in range(19, 26)) if d.weekday() == 4)
    return frozenset(days)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when closed the same day)."""
    if end <= start:
        return 0
    count, day = 0, start + dt.timedelta(days=1)
    while day <= end:
        if is_working_day(day):
            count += 1
        day += dt.timedelta(days=1)
    return count


@dataclass(frozen=True)
class ReportFacts:
    """What the compilation needs of one report: no contents, no names."""
    submitted: dt.date
    status: str
    kind: str
    reporter_service: str
    concerned_service: str
    closed: dt.date | None = None
    ref: str = ""
    measures: str = ""      # the measures decided (vidtagna åtgärder), "" when none yet


@dataclass
class Compilation:
    total: int = 0
    by_month: list[tuple[str, int]] = field(default_factory=list)
    by_concerned: list[tuple[str, int]] = field(default_factory=list)
    by_reporting: list[tuple[str, int]] = field(default_factory=list)
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    by_status: list[tuple[str, int]] = field(default_factory=list)
    closed: int = 0
    median_working_days: float | None = None
    mean_working_days: float | None = None
    median_days: float | None = None
    mean_days: float | None = None
    # Bilaga 4: the compilation holds "avvikelserapporterna och vidtagna åtgärder":
    # (report ref, kind label, measures) for the reports with decided measures, oldest first.
    measures: list[tuple[str, str, str]] = field(default_factory=list)
    measures_listed: bool = False   # False for readers who may not read the reports' contents


def _counted(values, order: list[str] | None = None, label=lambda k: k) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    keys = [k for k in (order or []) if k in counts] + sorted((k for k in counts if k not in (order or [])),
                                                             key=lambda k: label(k))
    return [(label(k), counts[k]) for k in keys]


def compile_year(facts: list[ReportFacts], year: int, *, service_label=lambda k: k, kind_labels=None,
                 kind_order=None, with_measures: bool = False) -> Compilation:
    kind_labels = kind_labels or {}
    rows = [f for f in facts if f.submitted.year == year]
    c = Compilation(total=len(rows))
    months = [0] * 12
    for f in rows:
        months[f.submitted.month - 1] += 1
    c.by_month = list(zip(MONTHS, months))
    c.by_concerned = _counted([f.concerned_service for f in rows], label=service_label)
    c.by_reporting = _counted([f.reporter_service for f in rows], label=service_label)
    c.by_kind = _counted([f.kind or "" for f in rows], order=list(kind_order or []),
                         label=lambda k: kind_labels.get(k, k) or "Inte angiven")
    statuses = {s: 0 for s in SUBMITTED_STATUSES}
    for f in rows:
        statuses[f.status] = statuses.get(f.status, 0) + 1
    c.by_status = [(DeviationStatus.label_of(s), n) for s, n in statuses.items()]
    done = [f for f in rows if f.status == DeviationStatus.CLOSED and f.closed is not None]
    c.closed = len(done)
    if done:
        working = [working_days_between(f.submitted, f.closed) for f in done]
        calendar = [max((f.closed - f.submitted).days, 0) for f in done]
        c.median_working_days = float(statistics.median(working))
        c.mean_working_days = round(statistics.fmean(working), 1)
        c.median_days = float(statistics.median(calendar))
        c.mean_days = round(statistics.fmean(calendar), 1)
    if with_measures:
        c.measures_listed = True
        c.measures = [(f.ref, kind_labels.get(f.kind, f.kind) or "Inte angiven", f.measures.strip())
                      for f in sorted(rows, key=lambda f: (f.submitted, f.ref)) if f.measures.strip()]
    return c


def csv_rows(sections: list[tuple[str, Compilation]]) -> list[list[str]]:
    """Long format for Excel: Avsnitt; Organisation; Kategori; Antal."""
    def number(value):
        return "" if value is None else (f"{value:g}".replace(".", ","))

    rows = [["Avsnitt", "Organisation", "Kategori", "Antal"]]
    for org, c in sections:
        rows.append(["Totalt", org, "Alla rapporter", str(c.total)])
        for title, items in (("Per månad", c.by_month), ("Per berörd verksamhet", c.by_concerned),
                             ("Per rapporterande verksamhet", c.by_reporting), ("Per typ av avvikelse", c.by_kind),
                             ("Per status", c.by_status)):
            rows.extend([title, org, label, str(n)] for label, n in items)
        rows.append(["Tid till avslut", org, "Avslutade rapporter", str(c.closed)])
        rows.append(["Tid till avslut", org, "Median (arbetsdagar)", number(c.median_working_days)])
        rows.append(["Tid till avslut", org, "Medelvärde (arbetsdagar)", number(c.mean_working_days)])
        rows.append(["Tid till avslut", org, "Median (kalenderdagar)", number(c.median_days)])
        rows.append(["Tid till avslut", org, "Medelvärde (kalenderdagar)", number(c.mean_days)])
        rows.extend(["Vidtagna åtgärder", org, f"Rapport {ref} ({kind})", measures] for ref, kind, measures in c.measures)
    return rows


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: int          # top of the row (label baseline is y + 14, bar below it)
    width: int      # bar length in SVG units


def bar_geometry(items: list[tuple[str, int]], max_width: int = 520, row: int = 44) -> tuple[list[Bar], int]:
    """Horizontal bars for a server-rendered SVG: (bars, total height). The longest bar is max_width."""
    top = max((n for _, n in items), default=0)
    bars = [Bar(label, n, i * row, round(max_width * n / top) if top else 0) for i, (label, n) in enumerate(items)]
    return bars, max(len(items) * row, row)
