"""A storefront request with the companion plugin: app hanging versus app answering, one run.

Run: python -m bench.woocommerce_storefront [--quick] [--requests 20]

Each sample is one add-to-cart request by a new shopper, run through the plugin's real PHP
(tests/fakes/woocommerce/wp_harness.php: WooCommerce and Action Scheduler stand-ins), timed
inside PHP from the request's start to the end of its `shutdown` hooks, where the plugin
reports the cart. The plugin's connection points at a loopback app that either answers 200 at
once or accepts the connection and never answers. Then one Action Scheduler queue run is timed
against each: that background run is what waits for the app (bounded by its 5 s timeout).
Prints `storefront_request_ms_app_hanging <median> baseline <median answering> ratio <x>`:
the goal is a ratio near 1 (the storefront does not depend on the app).
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.woocommerce.storefront import PluginShop  # noqa: E402

GOAL_RATIO = 1.5


@contextmanager
def fake_app(hang: bool) -> Iterator[str]:
    """Serve a loopback 'app' that answers 200 at once, or accepts and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            if hang:
                held.append(conn)
                continue
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        listener.close()


def measure(url: str, requests: int) -> tuple[list[float], float]:
    """Return each add-to-cart request's time inside PHP (ms) and one queue run's time (ms)."""
    shop = PluginShop(connection={"url": url, "store": 1, "secret": "bench-secret"})
    times = [float(shop.request(None, "add_to_cart", product_id=41)["ms"]) for _ in range(requests)]
    shop.state["actions"] = shop.state["actions"][:1]  # one delivery is enough to time the run
    started = time.perf_counter()
    shop.run_queue()
    return times, (time.perf_counter() - started) * 1000


def main() -> None:
    """Measure both apps in one run and print the figure."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    requests = 5 if args.quick else args.requests
    with fake_app(hang=False) as answering, fake_app(hang=True) as hanging:
        answered, queue_answered = measure(answering, requests)
        hung, queue_hung = measure(hanging, requests)
    base, value = statistics.median(answered), statistics.median(hung)
    print(f"storefront requests per app: {requests} (add to cart, new shopper each)")
    print(f"storefront p50 ms, app answering: {base:.3f}  max {max(answered):.3f}")
    print(f"storefront p50 ms, app hanging:   {value:.3f}  max {max(hung):.3f}")
    print(f"queue run ms (background), app answering: {queue_answered:.0f}")
    print(f"queue run ms (background), app hanging:   {queue_hung:.0f}  (5 s timeout, retried)")
    ratio = value / base
    print(f"storefront_request_ms_app_hanging {value:.3f} baseline {base:.3f} ratio {ratio:.2f}")
    print(f"goal: ratio <= {GOAL_RATIO}: {'met' if ratio <= GOAL_RATIO else 'not met'}")


if __name__ == "__main__":
    main()
