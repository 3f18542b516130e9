"""warta: trustworthy news records from raw captures of Indonesian online news.

Example:
    >>> import warta
    >>> article = warta.clean_capture("Judul\\nKamis, 30 Desember 2021 - 19:18 WIB\\nIsi berita.")
    >>> article.published.isoformat()
    '2021-12-30T19:18:00+07:00'
"""

import logging

from warta.build import BuildStats, build
from warta.dates import find_date
from warta.errors import ConfigError, InputError, StoreError, WartaError
from warta.model import Article, Provenance, PublishedAt, Reason, Rejected, Removal
from warta.pipeline import Cleaner, clean_capture
from warta.settings import Settings
from warta.store import Store, open_store

logging.getLogger(__name__).addHandler(logging.NullHandler())

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
