"""Imported once by the local engine's fork server, so its workers start warm.

The fork server is the process every worker is forked from. Importing this
module there loads the pipeline's modules, the default cleaner (boilerplate
catalogue, language model, timeline grammar) and Sastrawi's dictionary once;
each worker then starts with them in memory (shared copy-on-write) instead of
loading them itself.
"""

from __future__ import annotations

from warta.engines import worker_cleaner
from warta.settings import Settings
from warta.stemming import stem_text

worker_cleaner(Settings())(
    "Judul\nKamis, 30 Desember 2021 - 19:18 WIB\nPresiden membahas anggaran pada Rabu (29/12)."
)
stem_text("membahas")
