"""Language identification: Indonesian, its Malay neighbour, other languages, no text."""

from __future__ import annotations

import pytest

from warta.enrich import QUICK_LOOK_CHARS, LanguageId

# Written for these tests: Malaysian-style Malay (baharu, beliau, kerajaan, semalam).
MALAY = (
    "Kerajaan Malaysia akan memperkenalkan dasar baharu bagi membantu golongan berpendapatan"
    " rendah menghadapi kenaikan kos sara hidup, kata Perdana Menteri dalam satu kenyataan di"
    " Putrajaya semalam. Menurut beliau, bantuan tunai itu akan disalurkan secara berperingkat"
    " mulai bulan hadapan kepada lebih sejuta isi rumah di seluruh negara."
)
INDONESIAN = (
    "Pemerintah kota akan memperbaiki jalan yang rusak di kawasan pasar sebelum musim hujan"
    " tiba, kata wali kota kepada wartawan di balai kota, Selasa. Menurut dia, anggaran"
    " perbaikan sudah disetujui dewan dan pekerjaan dimulai pekan depan."
)
ENGLISH = (
    "The city government will repair the damaged roads around the market before the rainy"
    " season begins, the mayor told reporters at city hall on Tuesday."
)


@pytest.mark.parametrize(
    ("text", "lang"),
    [(MALAY, "ms"), (INDONESIAN, "id"), (ENGLISH, "en"), ("1234 -- 5678", None), ("", None)],
)
def test_language_of_text(text: str, lang: str | None) -> None:
    assert LanguageId()(text) == lang


def test_long_texts_keep_their_language() -> None:
    """Beyond the short look, the answer is that of the whole sample."""
    assert len(MALAY * 3) > QUICK_LOOK_CHARS
    assert LanguageId()(" ".join([MALAY] * 3)) == "ms"
    assert LanguageId()(" ".join([INDONESIAN] * 3)) == "id"
