"""Store intelligence over the mirror: set-based group runs, fraud scoring (pure functions)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the `regroup` command."""
    from ecomapp.insights import cli

    app.cli.add_command(cli.regroup_command)
