"""warta: trustworthy news records from raw captures of Indonesian online news.

Example:
    >>> import warta
    >>> article = warta.clean_capture("Judul\\nKamis, 30 Desember 2021 - 19:18 WIB\\nIsi berita.")
    >>> article.published.isoformat()
    '2021-12-30T19:18:00+07:00'

The names below are imported on first use: `import warta` (and so every `warta`
command, and `import warta.search`) does not load the cleaning pipeline, its models
and numpy until a name that needs them is asked for.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warta.build import BuildStats, build
    from warta.dates import find_date
    from warta.errors import ConfigError, InputError, StoreError, WartaError
    from warta.model import Article, Provenance, PublishedAt, Reason, Rejected, Removal
    from warta.pipeline import Cleaner, clean_capture
    from warta.settings import Settings
    from warta.store import Store, open_store

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: Each public name and the module it comes from.
_HOMES = {
    "Article": "warta.model",
    "BuildStats": "warta.build",
    "Cleaner": "warta.pipeline",
    "ConfigError": "warta.errors",
    "InputError": "warta.errors",
    "Provenance": "warta.model",
    "PublishedAt": "warta.model",
    "Reason": "warta.model",
    "Rejected": "warta.model",
    "Removal": "warta.model",
    "Settings": "warta.settings",
    "Store": "warta.store",
    "StoreError": "warta.errors",
    "WartaError": "warta.errors",
    "build": "warta.build",
    "clean_capture": "warta.pipeline",
    "find_date": "warta.dates",
    "open_store": "warta.store",
}

__all__ = [
    "Article",
    "BuildStats",
    "Cleaner",
    "ConfigError",
    "InputError",
    "Provenance",
    "PublishedAt",
    "Reason",
    "Rejected",
    "Removal",
    "Settings",
    "Store",
    "StoreError",
    "WartaError",
    "build",
    "clean_capture",
    "find_date",
    "open_store",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'warta' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # asked once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
