"""The one error of this app: what went wrong, in words an operator can act on."""


class ArchiveError(Exception):
    """An archive that cannot be written or read back; the message says why and what to do."""
