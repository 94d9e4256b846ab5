"""The one error a backup or restore gives the operator: a sentence saying what went wrong and what
to do, printed by the CLI as it is."""


class BackupError(Exception):
    """A backup or restore that could not be done; ``str()`` is the message for the operator."""
