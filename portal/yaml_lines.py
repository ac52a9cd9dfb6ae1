"""The one YAML loader for the configuration files in content/ and forms/: safe, and it keeps
line numbers, so that every complaint can name the file and the line.

    data, duplicates = load_yaml(text)      # raises YamlSyntaxError(line, problem)
    line_of(data), line_of(data, "key")     # the line of a mapping, or of one of its keys
    data = read_yaml_with_lines(path)       # a file; raises ContentFileError (file, line, problem)

Every mapping is a LineDict (a dict with `.line` and `.key_lines`). A key given twice in one
mapping is reported (`duplicates`: [(key, line)]; read_yaml_with_lines refuses it)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .content_errors import ContentFileError


class LineDict(dict):
    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return getattr(self, "key_lines", {}).get(key, self.line)


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader that remembers the line of every mapping and key, and notes duplicate keys."""

    duplicate_keys: list[tuple[str, int]]

    def construct_mapping(self, node, deep=False):
        lines: dict[str, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in lines:
                self.duplicate_keys.append((str(key), key_node.start_mark.line + 1))
            lines[key] = key_node.start_mark.line + 1
        mapping = LineDict(super().construct_mapping(node, deep=deep))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = lines
        return mapping


def _construct_map(loader: _LineLoader, node):
    data = LineDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    value = loader.construct_mapping(node)
    data.update(value)
    data.key_lines = value.key_lines


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


class YamlSyntaxError(Exception):
    def __init__(self, line: int | None, problem: str):
        self.line, self.problem = line, problem
        super().__init__(f"rad {line}: {problem}" if line else problem)


def load_yaml(text: str, line_offset: int = 0) -> tuple[Any, list[tuple[str, int]]]:
    """(data, [(duplicate key, line)]); lines count from ``line_offset`` + 1 (front matter)."""
    loader = _LineLoader(text)
    loader.duplicate_keys = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlSyntaxError(mark.line + 1 + line_offset if mark else None, problem) from None
    finally:
        loader.dispose()
    if line_offset:
        _shift_lines(data, line_offset)
    return data, [(key, line + line_offset) for key, line in loader.duplicate_keys]


def _shift_lines(value, offset: int) -> None:
    if isinstance(value, LineDict):
        value.line += offset
        value.key_lines = {k: v + offset for k, v in value.key_lines.items()}
        for v in value.values():
            _shift_lines(v, offset)
    elif isinstance(value, list):
        for v in value:
            _shift_lines(v, offset)


def line_of(value, key: str | None = None) -> int | None:
    """The line of a mapping (or of its key), or None for anything that is not one."""
    if isinstance(value, LineDict):
        return value.line_of(key) if key else value.line
    return None


def read_yaml_with_lines(path: Path, error: type[ContentFileError] = ContentFileError):
    """The file's data; a missing, non-UTF-8 or broken file, or a key given twice, raises
    ``error`` (a ContentFileError) with the file, the line and the problem in Swedish."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(path, None, "filen saknas") from None
    except UnicodeDecodeError:
        raise error(path, None, "filen är inte sparad som UTF-8") from None
    try:
        data, duplicates = load_yaml(text)
    except YamlSyntaxError as exc:
        raise error(path, exc.line, f"felaktig YAML: {exc.problem}") from None
    for key, line in duplicates:
        raise error(path, line, f"nyckeln '{key}' finns två gånger")
    return data
