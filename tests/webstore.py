"""A small real store for the search and web tests: the shared sample, a wire copy of it,
two gikirima CSVs, the anpandu HTML pages, and a capture full of markup that must stay text."""

from __future__ import annotations

from pathlib import Path

from conftest import SAMPLE, SHARED, need_shared
from warta.build import build

GIKI = SHARED / "eval" / "raw" / "gikirima-2025"
GIKI_FILES = ("sample40_berita_detik.csv", "sample40_berita_kompas.csv")
GIKI_MAP = ("title=Judul|title,text=Isi|content,published=Tanggal|date+time,url=Link|url,"
            "outlet=Sumber|source")  # fmt: skip
ANPANDU = SHARED / "eval" / "html" / "anpandu"
SAMPLE_ID_TITLE = "Biden dan Putin Bicara Lewat Telepon, Isinya Sangat Penting"
COPY_TITLE = "Telepon Biden-Putin Bahas Ukraina"
XSS_TITLE = "Awas <script>alert(1)</script> Putin <img src=x onerror=alert(2)>"
XSS = f"""{XSS_TITLE}
Kamis, 30 Desember 2021 - 19:18 WIB
JAKARTA - Tulisan <script>alert(1)</script> dan <img src=x onerror=alert(2)> muncul di berita \
tentang Putin yang membahas keamanan.
Paragraf kedua tentang Putin dan Biden yang berbicara lewat telepon soal Ukraina.
"""


def build_web_store(folder: Path) -> Path:
    """Build the store in `folder` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    sample = need_shared(SAMPLE).read_text(encoding="utf-8")
    captures = folder / "captures"
    captures.mkdir(exist_ok=True)
    (captures / "sample.txt").write_text(sample, encoding="utf-8")
    # A syndicated copy: the same story under another headline (dedup clusters the two).
    body = sample.split("\n", 1)[1]
    (captures / "wire-copy.txt").write_text(f"{COPY_TITLE}\n{body}", encoding="utf-8")
    (captures / "xss.txt").write_text(XSS, encoding="utf-8")
    db = folder / "corpus.db"
    giki = [str(need_shared(GIKI / name)) for name in GIKI_FILES]
    assert build([str(captures)], db, workers=1).conserved
    assert build(giki, db, mapping=[GIKI_MAP], workers=1).conserved
    assert build([str(need_shared(ANPANDU))], db, workers=1).conserved
    return db
