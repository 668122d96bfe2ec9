"""Jobs that do nothing, for measuring the job machinery itself."""


def noop() -> None:
    """Do nothing."""
