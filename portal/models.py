"""Imports every feature's models, so that Alembic and the tests see the whole schema."""
import importlib
import importlib.util

from . import FEATURES


def import_all() -> None:
    for feature in FEATURES:
        name = f"{feature}.models"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
