"""Imported once by the local engine's fork server, so its workers start warm.

The fork server is the process every worker is forked from. Importing this
module there loads the pipeline's modules, the default cleaner (boilerplate
catalogue, language model, timeline grammar), Sastrawi's dictionary and the
modules and tables that turn an article into rows (dedup fingerprints, the
diacritics table of `fold`) once; each worker then starts with them in memory
(shared copy-on-write) instead of building them itself. What they are is then
frozen out of the garbage collector's walks (`quiet_gc`): a worker's collections
never walk them (nor copy their pages to write in them). glibc's malloc is set to
keep what a worker frees for its next chunk (`quiet_malloc`).
"""

from __future__ import annotations

from warta.engines import clean_chunk, quiet_gc, quiet_malloc, worker_cleaner
from warta.readers import Record
from warta.settings import Settings

clean_chunk(
    worker_cleaner(Settings()),
    [Record("warm.txt", "", "Judul\nKamis, 30 Desember 2021 - 19:18 WIB\n"
            "Presiden membahas anggaran pada Rabu (29/12) di Bogor, “kata” dé.".encode())],
)  # fmt: skip
quiet_gc()
quiet_malloc()  # inherited by every worker forked from here
