"""Statuses as `enum.StrEnum`s with their Swedish labels.

A member is its stored string (the database, JSON and templates see "draft"), and carries the
label users read:

    class VersionStatus(LabelledStrEnum):
        DRAFT = "draft", "Utkast"

    VersionStatus.DRAFT == "draft"; VersionStatus.DRAFT.label == "Utkast"
    VersionStatus.label_of(row.status)   # a stored value's label (an unknown value: itself)"""
from __future__ import annotations

import enum


class LabelledStrEnum(enum.StrEnum):
    label: str

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict[str, str]:
        """{value: label} in the order of definition (for templates and tables)."""
        return {member.value: member.label for member in cls}

    @classmethod
    def label_of(cls, value: str) -> str:
        try:
            return cls(value).label
        except ValueError:
            return value
