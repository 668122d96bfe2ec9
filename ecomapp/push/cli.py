"""`flask push-keys`: print a fresh VAPID key pair as environment variables."""

from __future__ import annotations

import click

from ecomapp.push.keys import generate_keys


@click.command("push-keys")
def push_keys_command() -> None:
    """Print a new VAPID key pair; set it once per deployment (a new pair drops subscribers)."""
    keys = generate_keys()
    click.echo(f"VAPID_PUBLIC_KEY={keys.public_key}")
    click.echo(f"VAPID_PRIVATE_KEY={keys.private_key}")
