"""Errors the caller must fix. A bad record is never an error: it is a `Rejected` value."""


class WartaError(Exception):
    """Base of every error warta raises on purpose; the CLI prints it as one line."""


class InputError(WartaError):
    """An input cannot be read at all (missing file, unknown format, bad column mapping)."""


class ConfigError(WartaError):
    """A setting or a pattern file is wrong."""


class StoreError(WartaError):
    """The store cannot be opened or written."""
