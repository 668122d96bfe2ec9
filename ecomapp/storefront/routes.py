"""The storefront blueprint; the modules of `ROUTE_MODULES` add their routes to it."""

from __future__ import annotations

import importlib

from flask import Blueprint

from ecomapp.storefront import ROUTE_MODULES

bp = Blueprint("storefront", __name__, url_prefix="/storefront")

for _module in ROUTE_MODULES:
    importlib.import_module(_module)
