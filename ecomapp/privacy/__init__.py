"""Personal data: erasing a person on request, and pruning what is kept only for a while."""

from ecomapp.privacy.erasure import ErasureRequest, erase_person

__all__ = ["ErasureRequest", "erase_person"]
