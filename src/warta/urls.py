"""Outlets from URLs: `https://news.detik.com/...` -> `detik.com`."""

from __future__ import annotations

from urllib.parse import urlsplit

# Second-level labels under which a site's own name is the third label.
_SECOND_LEVEL = frozenset(
    ["co", "or", "ac", "go", "web", "my", "sch", "net", "com", "mil", "biz", "ponpes", "desa"]
)


def outlet_from_url(url: str | None) -> str | None:
    """The registered domain of `url`, which names the outlet (`kompas.com`, `republika.co.id`).

    Example:
        >>> outlet_from_url("https://amp.kompas.com/read/2021/07/10/x")
        'kompas.com'
        >>> outlet_from_url("http://10.0.0.1/berita") is None  # an address, not an outlet
        True
    """
    if not url:
        return None
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower().rstrip(".")
    labels = [label for label in host.split(".") if label]
    if len(labels) < 2 or not all(label.replace("-", "").isalnum() for label in labels):
        return None
    if labels[-1].isdigit():  # an IP address (`10.0.0.1`) names a machine, not an outlet
        return None
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def outlet_of(given: str | None, url: str | None) -> str | None:
    """The outlet of a record: the registered domain of a `given` outlet that is a host name
    (`nasional.kompas.com`, `www.kapanlagi.com`), else of the URL; a given name that is no
    host name (`Sindonews`) is kept only when the URL gives no domain.

    Example:
        >>> outlet_of("www.KapanLagi.com", None), outlet_of("Sindonews", "https://nasional.sindonews.com/x")
        ('kapanlagi.com', 'sindonews.com')
        >>> outlet_of("Sindonews", None), outlet_of(None, "https://amp.kompas.com/x")
        ('Sindonews', 'kompas.com')
    """
    given = (given or "").strip()
    domain = outlet_from_url(given) if "." in given and " " not in given else None
    return domain or outlet_from_url(url) or given or None
