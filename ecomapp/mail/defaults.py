"""Default subject and body of every built-in template (merchants may override)."""

# key -> (subject, HTML body); the text part is derived from the HTML unless written.
DEFAULT_TEMPLATES: dict[str, tuple[str, str]] = {
    "welcome": (
        "Welcome to {{ store.name }}, {{ customer.first_name or 'friend' }}!",
        "<p>Hi {{ customer.first_name or 'there' }},</p>"
        "<p>Thanks for joining {{ store.name }}.</p>"
        '<p><a href="{{ store.url }}">Visit the shop</a></p>',
    ),
    "review_request": (
        "How is your order {{ order.name }}?",
        "<p>Hi {{ customer.first_name or 'there' }},</p>"
        "<p>Tell us what you think of your order {{ order.name }}:</p>"
        "<ul>{% for line in order.line_items %}<li>{{ line.title }}</li>{% endfor %}</ul>",
    ),
    "abandoned_cart": (
        "You left something in your cart",
        "<p>Your cart at {{ store.name }} is waiting.</p>"
        "<ul>{% for item in cart.line_items %}<li>{{ item.title or item.name }}</li>"
        "{% endfor %}</ul>"
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
    "winback": (
        "We miss you at {{ store.name }}",
        "<p>Hi {{ customer.first_name or 'there' }}, it has been a while.</p>"
        "{% if discount_code %}<p>Here is {{ discount_percent or 10 }}% off your next order: "
        "<strong>{{ discount_code }}</strong></p>{% endif %}"
        '<p><a href="{{ store.url }}">See what is new</a></p>',
    ),
    "thank_you": (
        "Thank you for your order {{ order.name }}",
        "<p>Hi {{ customer.first_name or 'there' }}, thank you for ordering from"
        " {{ store.name }}.</p>"
        "{% if recommendations %}<p>You might also like:</p><ul>{% for p in recommendations %}"
        '<li><a href="{{ store.url }}{{ p.url or "" }}">{{ p.title }}</a></li>'
        "{% endfor %}</ul>{% endif %}",
    ),
    "back_in_stock": (
        "{{ product.title }} is back in stock",
        "<p>Good news: {{ product.title }} is available again.</p>"
        '<p><a href="{{ store.url }}{{ product.url or "" }}">Get it now</a></p>',
    ),
    "low_stock_alert": (
        "[{{ store.name }}] Low stock: {{ product.title }}",
        "<p>{{ product.title }} is running low ({{ quantity }} left).</p>",
    ),
    "low_stock_demand": (
        "[{{ store.name }}] Low stock: {% if items|length == 1 %}{{ items[0].title }}"
        "{% else %}{{ items|length }} variants{% endif %}",
        "<p>{% if digest %}Today's low-stock digest.{% else %}A variant crossed below its"
        " low-stock threshold.{% endif %}</p><ul>{% for i in items %}<li>{{ i.title }}"
        " ({{ i.sku }}): {{ i.stock }} in stock (threshold {{ i.threshold }}),"
        " {{ i.per_day }} units/day over {{ window_days }} days, cover {{ i.cover }},"
        " {{ i.waiting }} customers waiting, reorder {{ i.reorder }}</li>{% endfor %}</ul>"
        "<p>Reorder = units per day x ({{ lead_days }} days lead time + {{ safety_days }}"
        " safety days) - stock.</p>",
    ),
    "generic": (
        "{{ subject or store.name }}",
        "{{ message }}",
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
    "recommendations": (
        "Picked for you after your order {{ order.name }}",
        "<p>Hi {{ customer.first_name or 'there' }},</p>"
        "<p>Customers who bought what you ordered also liked:</p>"
        "{{ recommendations_grid }}"
        '<p><a href="{{ store.url }}">See more at {{ store.name }}</a></p>',
    ),
    "signup_confirm": (
        "Confirm your subscription to {{ store.name }}",
        "<p>Hi {{ signup.name or 'there' }},</p>"
        "<p>Please confirm that you want news and offers from {{ store.name }} by e-mail:</p>"
        '<p><a href="{{ confirm_url }}">Confirm my subscription</a></p>'
        "<p>The link works once and expires in {{ link_hours }} hours. If you did not sign up,"
        " ignore this e-mail: you will not be subscribed.</p>",
    ),
    "welcome_subscriber": (
        "Welcome to the {{ store.name }} newsletter",
        "<p>Hi {{ customer.first_name or 'there' }},</p>"
        "<p>Thanks for subscribing. You will be the first to hear about new arrivals and offers"
        "{% if interests %} in {{ interests|join(', ') }}{% endif %}.</p>"
        '<p><a href="{{ store.url }}">Visit the shop</a></p>',
    ),
    "subscriber_followup": (
        "New at {{ store.name }}",
        "<p>Hi {{ customer.first_name or 'there' }},</p>"
        "<p>Here is what is new at {{ store.name }} since you subscribed.</p>"
        '<p><a href="{{ store.url }}">See the latest arrivals</a></p>',
    ),
}


def default_template(key: str, language: str = "en") -> tuple[str, str]:
    """Return the built-in (subject, HTML) of a template in a language (English as fallback)."""
    from ecomapp.mail.defaults_th import DEFAULT_TEMPLATES_TH

    table = DEFAULT_TEMPLATES_TH if language == "th" else DEFAULT_TEMPLATES
    return table.get(key) or DEFAULT_TEMPLATES.get(key) or DEFAULT_TEMPLATES["generic"]


LABELS: dict[str, str] = {
    "welcome": "Welcome a new customer",
    "review_request": "Ask for a review",
    "abandoned_cart": "Recover an abandoned cart",
    "merchant_alert": "Alert the merchant",
    "vip_welcome": "Welcome a VIP",
    "winback": "Win back a lapsed customer",
    "thank_you": "Thank a customer after an order",
    "back_in_stock": "Back in stock",
    "low_stock_alert": "Low stock alert (to the merchant)",
    "low_stock_demand": "Low stock with demand figures (to the merchant)",
    "generic": "Generic message",
    "abandoned_cart_second": "Second abandoned-cart reminder",
    "discount_offer": "Send a discount code",
    "recommendations": "Recommend products after an order",
    "signup_confirm": "Confirm a newsletter signup (double opt-in)",
    "welcome_subscriber": "Welcome a new newsletter subscriber",
    "subscriber_followup": "Follow up with a new subscriber",
}
