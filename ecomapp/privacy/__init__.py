"""Personal data: erasing a person on request, and pruning what is kept only for a while."""

from flask import Flask

from ecomapp.privacy.erasure import ErasureRequest, erase_person
from ecomapp.registries import registries

__all__ = ["ErasureRequest", "erase_person", "init_app"]

RETENTION_JOB = "ecomapp.privacy.retention:prune_personal_data"


def init_app(app: Flask) -> None:
    """Register the periodic retention job."""
    reg = registries(app)
    reg.periodic[RETENTION_JOB] = 6 * 3600
