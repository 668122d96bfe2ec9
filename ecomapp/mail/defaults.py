"""Default subject and body of every built-in template (merchants may override)."""

DEFAULT_TEMPLATES: dict[str, tuple[str, str]] = {
    "welcome": (
        "Welcome to {{ store.name }}, {{ customer.first_name or 'friend' }}!",
        "<p>Hi {{ customer.first_name or 'there' }},</p>"
        "<p>Thanks for joining {{ store.name }}.</p>",
    ),
    "review_request": (
        "How is your order {{ order.name }}?",
        "<p>Hi {{ customer.first_name or 'there' }},</p>"
        "<p>Tell us what you think of your order {{ order.name }}.</p>",
    ),
    "abandoned_cart": (
        "You left something in your cart",
        "<p>Your cart at {{ store.name }} is waiting.</p>"
        '{% if cart.recovery_url %}<p><a href="{{ cart.recovery_url }}">Finish your order</a></p>'
        "{% endif %}",
    ),
    "merchant_alert": (
        "[{{ store.name }}] {{ title }}",
        "<p>{{ message }}</p>",
    ),
    "vip_welcome": (
        "You're a VIP at {{ store.name }}",
        "<p>Hi {{ customer.first_name or 'there' }},"
        " thank you for being one of our best customers.</p>",
    ),
    "abandoned_cart_second": (
        "Still thinking it over?",
        "<p>Your cart at {{ store.name }} is still waiting for you.</p>"
        '{% if cart.recovery_url %}<p><a href="{{ cart.recovery_url }}">Finish your order</a></p>'
        "{% endif %}",
    ),
    "discount_offer": (
        "A thank-you from {{ store.name }}",
        "<p>Hi {{ customer.first_name or 'there' }}, use code <strong>{{ discount_code }}</strong>"
        " on your next order.</p>",
    ),
}
