"""What a capture holds, told by its first characters: an HTML page (or a piece of one) or text.

One rule for every input: a capture file, a WARC record that came without a
content type and a dataset's text field are HTML when they open like a page: a
byte-order mark, an XML declaration and comments (a browser's "Save page as"
note) may come first, then a doctype or an element a page or a piece of its
body starts with. Text that merely holds a `<` somewhere, or opens with one that
starts no such element (`<3`, `<< Kembali`, `<b>`), stays text.
"""

from __future__ import annotations

import re

#: How much of a capture's start is looked at.
SNIFF_CHARS = 4096

_HTML_START = re.compile(
    r"\ufeff?\s*(?:<\?xml\b[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    r"<(?:!doctype\s+html|html|head|body|meta|title|link|base|script|style|main|header"
    r"|article|section|div|p|span|table|ul|ol|blockquote|figure|h[1-6])(?=[\s/>])",
    re.IGNORECASE | re.DOTALL,
)


def looks_like_html(head: str | bytes) -> bool:
    """Does this capture open like an HTML page or a piece of one (by its content, not its name)?

    Bytes are read as UTF-8 for this (a page in another encoding opens in ASCII).

    Example:
        >>> looks_like_html("<!-- saved from url=(0022)https://detik.com/ -->\\n<!DOCTYPE html>")
        True
        >>> looks_like_html(b"\\xef\\xbb\\xbf<div><p>Isi berita.</p></div>")
        True
        >>> looks_like_html("Judul\\nKamis, 30 Desember 2021\\nIsi <b>tebal</b>.")
        False
    """
    if isinstance(head, bytes):
        head = head[:SNIFF_CHARS].decode("utf-8", "replace")
    return _HTML_START.match(head, 0, SNIFF_CHARS) is not None
