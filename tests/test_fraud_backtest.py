"""The fraud backtest CLI: what each setting would have held on the store's own history."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from time_machine import TimeMachineFixture

from tests.fraud_support import labelled_store


def test_backtest_shows_held_orders_and_precision_against_fraud_cancellations(
    app: Flask, runner: FlaskCliRunner, time_machine: TimeMachineFixture
) -> None:
    """Given 25 ordinary orders, one gift shipped abroad and two orders later cancelled as
    fraud (billed in CA, shipped to the US, 1,500.00 first orders from a Nigerian IP), when
    the backtest runs over 90 days, then the current settings hold exactly the two frauds
    and the address check alone also holds the gift."""
    store = labelled_store(time_machine)

    result = runner.invoke(args=["fraud-backtest", str(store.id), "--days", "90"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "28 orders in 90 days, 2 known fraud"
    current = next(line for line in lines if line.startswith("current settings"))
    assert current.split()[-4:] == ["3", "2", "100%", "100%"]
    alone = next(line for line in lines if line.startswith("address_mismatch alone"))
    assert alone.split()[-4:] == ["3", "3", "67%", "100%"]


def test_backtest_refuses_an_unknown_store(app: Flask, runner: FlaskCliRunner) -> None:
    """Given no store 999, when the backtest is asked for it, then it fails naming it."""
    result = runner.invoke(args=["fraud-backtest", "999"])

    assert result.exit_code != 0 and "no store 999" in result.output
