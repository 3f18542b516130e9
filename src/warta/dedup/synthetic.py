"""Synthetic republications of real articles, for measuring dedup (tests and bench).

Each edit is one thing outlets do when they take a story from another: a new
lead, a changed dateline prefix, boilerplate added or removed, a paragraph
dropped or added, only the first half kept. `republish` applies one or two of
them, chosen by a seeded `random.Random`, so a run is reproducible.

Example:
    >>> import random
    >>> text = "\\n\\n".join(f"Paragraf {i} " + "kata " * 20 for i in range(6))
    >>> copy, edits = republish(text, random.Random(1), donor="Lead lain dari berita lain.")
    >>> copy != text, len(edits) >= 1
    (True, True)
"""

from __future__ import annotations

import random
import re

EDITS = ("new_lead", "prefix", "boilerplate", "drop_paragraph", "add_paragraph", "first_half")

_PREFIXES = (
    "Jakarta - ", "JAKARTA, KOMPAS.com - ", "Jakarta, CNN Indonesia -- ", "Jakarta (ANTARA) - ",
    "Surabaya - ", "TRIBUNNEWS.COM, JAKARTA - ", "Bandung, detikJabar - ",
)  # fmt: skip
_BOILERPLATE = (
    "Baca juga: {t}", "Simak juga Video: {t}", "ADVERTISEMENT", "SCROLL TO CONTINUE WITH CONTENT",
    "Artikel ini telah tayang di {o} dengan judul {t}", "Editor: Redaksi",
    "Dapatkan update berita pilihan setiap hari, bergabunglah di kanal kami.",
)  # fmt: skip
_LEAD = re.compile(r"^[^.!?\n]{0,60}?(?: -{1,2} |-- )")


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a text; a one-paragraph text is split into sentences instead."""
    parts = [p for p in text.split("\n\n") if p.strip()]
    if len(parts) >= 3:
        return parts
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    return [s for s in sentences if s] or [text]


def apply_edit(text: str, edit: str, rng: random.Random, donor: str = "") -> str:
    """One edit of `text` (see `EDITS`); `donor` is another article's paragraph, used as new text.

    Example:
        >>> import random
        >>> text = "A satu.\\n\\nB dua.\\n\\nC tiga.\\n\\nD empat."
        >>> apply_edit(text, "first_half", random.Random(0))
        'A satu.\\n\\nB dua.'
    """
    paras = paragraphs(text)
    if edit == "new_lead":
        paras[0] = donor or " ".join(reversed(paras[0].split()))
    elif edit == "prefix":
        paras[0] = rng.choice(_PREFIXES) + _LEAD.sub("", paras[0], count=1)
    elif edit == "boilerplate":
        title = " ".join(donor.split()[:8]) or "Berita terkini hari ini"
        for _ in range(rng.randint(1, 3)):
            line = rng.choice(_BOILERPLATE).format(
                t=title, o=rng.choice(("Kompas.com", "detikNews"))
            )
            paras.insert(rng.randint(1, len(paras)), line)
        if len(paras) > 4 and rng.random() < 0.5:
            paras.pop()  # the original's own closing line goes
    elif edit == "drop_paragraph" and len(paras) > 2:
        paras.pop(rng.randint(1, len(paras) - 1))
    elif edit == "add_paragraph":
        paras.insert(rng.randint(1, len(paras)), donor or paras[-1])
    elif edit == "first_half":
        paras = paras[: max(1, (len(paras) + 1) // 2)]
    return "\n\n".join(paras)


def republish(
    text: str, rng: random.Random, donor: str = "", edits: int | None = None
) -> tuple[str, tuple[str, ...]]:
    """A republication of `text`: one or two random edits (or `edits` of them) applied in turn.

    Args:
        text: the original article body.
        rng: the random source (seed it for reproducible runs).
        donor: a paragraph of another article, for new leads and added paragraphs.
        edits: how many edits; default 1 or 2 at random.

    Returns:
        The edited text and the names of the edits applied.
    """
    chosen = tuple(rng.sample(EDITS, edits if edits is not None else rng.choice((1, 2))))
    for edit in chosen:
        text = apply_edit(text, edit, rng, donor)
    return text, chosen
