"""The stand-in store's storefront: shop, add-to-cart, classic checkout, cart, recovery links.

Each page is one storefront request run through the plugin's real PHP (`PluginShop`); the
plugin prints its own consent checkbox and queues its own events. The checkout page posts
`?wc-ajax=update_order_review` with the serialised form on every change, as WooCommerce's
checkout.js does. The shopper's WooCommerce session id travels in a cookie.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from tests.fakes.woocommerce.storefront import PluginShop

COOKIE = "wp_woocommerce_session_ecomapptest"

_CHECKOUT_JS = """
<script>
const form = document.querySelector('form.checkout');
form.addEventListener('change', () => {
  const data = new URLSearchParams(new FormData(form)).toString();
  fetch('/?wc-ajax=update_order_review', {method: 'POST',
    headers: {'Content-Type': 'application/x-www-form-urlencoded'},
    body: new URLSearchParams({post_data: data})})
    .then(() => { document.body.dataset.reviewed = (+document.body.dataset.reviewed || 0) + 1; });
});
</script>
"""


def _page(title: str, body: str) -> Response:
    page = f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"
    return Response(page, 200, mimetype="text/html")


def _with_session(response: Response, customer_id: str | None) -> Response:
    if customer_id:
        response.set_cookie(COOKIE, customer_id, path="/", httponly=True)
    return response


def shop_page(shop: PluginShop, shopper: str | None) -> Response:
    """List the products, each with an add-to-cart button."""
    out = shop.request(shopper, "page")
    rows = "".join(
        f'<li><form method="post" action="/shop/?add-to-cart={pid}">{html.escape(p["name"])}'
        f' {p["price"]} <button type="submit">Add {html.escape(p["name"])} to cart</button>'
        "</form></li>"
        for pid, p in shop.products.items()
    )
    return _with_session(_page("Shop", f"<h1>Shop</h1><ul>{rows}</ul>"), out["customer_id"])


def add_to_cart(shop: PluginShop, shopper: str | None, product_id: str) -> Response:
    """Add one item, then go to the checkout (as "redirect to checkout after add" does)."""
    out = shop.request(shopper, "add_to_cart", product_id=int(product_id))
    response = Response("", 303, {"Location": "/checkout/"})
    return _with_session(response, out["customer_id"] or shopper)


def checkout_page(shop: PluginShop, shopper: str | None) -> Response:
    """Show the classic checkout: e-mail, the plugin's checkbox, place order."""
    out = shop.request(shopper, "checkout_page")
    body = (
        '<h1>Checkout</h1><form class="checkout" method="post" action="/checkout/">'
        '<p><label for="billing_email">Email address</label>'
        '<input type="email" id="billing_email" name="billing_email"></p>'
        f'{out["html"]}<button type="button">Place order</button></form>{_CHECKOUT_JS}'
    )
    return _with_session(_page("Checkout", body), out["customer_id"] or shopper)


def cart_page(shop: PluginShop, shopper: str | None) -> Response:
    """Show the cart's lines."""
    lines = shop.session(shopper).get("cart", {}).values() if shopper else []
    items = "".join(
        f'<li data-testid="cart-line">{html.escape(shop.products[str(line["product_id"])]["name"])}'
        f" &times; {line['quantity']}</li>"
        for line in lines
    )
    return _page("Cart", f"<h1>Cart</h1><ul>{items or '<li>Your cart is empty.</li>'}</ul>")


def restore(shop: PluginShop, shopper: str | None, request: Request) -> Response:
    """Follow a recovery link: the plugin refills the cart and redirects to the cart page."""
    out = shop.request(shopper, "restore", get=dict(request.args))
    response = Response("", 302, {"Location": out["redirect"] or "/cart/"})
    return _with_session(response, out["customer_id"] or shopper)


def handle(shop: PluginShop, request: Request) -> Response | None:
    """Answer a storefront request, or None when the path is not a storefront page."""
    shopper = request.cookies.get(COOKIE)
    if request.args.get("wc-ajax") == "update_order_review" and request.method == "POST":
        out = shop.request(shopper, "update_order_review", post_data=request.form["post_data"])
        return _with_session(Response('{"result":"success"}', 200), out["customer_id"] or shopper)
    if request.path == "/shop/" and request.args.get("add-to-cart"):
        return add_to_cart(shop, shopper, request.args["add-to-cart"])
    if request.path == "/cart/" and request.args.get("ecomapp_cart"):
        return restore(shop, shopper, request)
    pages = {"/shop/": shop_page, "/checkout/": checkout_page, "/cart/": cart_page}
    if request.path in pages:
        return pages[request.path](shop, shopper)
    return None


def shop_url(base_url: str, path: str = "/shop/", **query: str) -> str:
    """Return a storefront URL of the stand-in store."""
    return f"{base_url}{path}" + (f"?{urlencode(query)}" if query else "")
