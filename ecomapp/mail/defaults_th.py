"""Thai versions of the built-in templates (same keys and variables as defaults.py)."""

DEFAULT_TEMPLATES_TH: dict[str, tuple[str, str]] = {
    "welcome": (
        "ยินดีต้อนรับสู่ {{ store.name }} คุณ{{ customer.first_name or 'ลูกค้า' }}!",
        "<p>สวัสดีคุณ{{ customer.first_name or 'ลูกค้า' }}</p>"
        "<p>ขอบคุณที่สมัครสมาชิกกับ {{ store.name }}</p>"
        '<p><a href="{{ store.url }}">ไปที่ร้านค้า</a></p>',
    ),
    "review_request": (
        "คำสั่งซื้อ {{ order.name }} ของคุณเป็นอย่างไรบ้าง?",
        "<p>สวัสดีคุณ{{ customer.first_name or 'ลูกค้า' }}</p>"
        "<p>บอกเราหน่อยว่าคุณคิดอย่างไรกับคำสั่งซื้อ {{ order.name }}:</p>"
        "<ul>{% for line in order.line_items %}<li>{{ line.title }}</li>{% endfor %}</ul>",
    ),
    "abandoned_cart": (
        "คุณลืมสินค้าไว้ในตะกร้า",
        "<p>ตะกร้าของคุณที่ {{ store.name }} ยังรออยู่</p>"
        "<ul>{% for item in cart.line_items %}<li>{{ item.title or item.name }}</li>"
        "{% endfor %}</ul>"
        '{% if cart.recovery_url %}<p><a href="{{ cart.recovery_url }}">สั่งซื้อให้เสร็จ</a></p>'
        "{% endif %}",
    ),
    "merchant_alert": (
        "[{{ store.name }}] {{ title }}",
        "<p>{{ message }}</p>",
    ),
    "vip_welcome": (
        "คุณเป็นลูกค้า VIP ของ {{ store.name }}",
        "<p>สวัสดีคุณ{{ customer.first_name or 'ลูกค้า' }} ขอบคุณที่เป็นหนึ่งในลูกค้าคนสำคัญของเรา</p>",
    ),
    "winback": (
        "{{ store.name }} คิดถึงคุณ",
        "<p>สวัสดีคุณ{{ customer.first_name or 'ลูกค้า' }} ไม่ได้เจอกันนานเลย</p>"
        "{% if discount_code %}<p>รับส่วนลด {{ discount_percent or 10 }}% สำหรับคำสั่งซื้อครั้งถัดไป:"
        " <strong>{{ discount_code }}</strong></p>{% endif %}"
        '<p><a href="{{ store.url }}">ดูสินค้าใหม่</a></p>',
    ),
    "thank_you": (
        "ขอบคุณสำหรับคำสั่งซื้อ {{ order.name }}",
        "<p>สวัสดีคุณ{{ customer.first_name or 'ลูกค้า' }} ขอบคุณที่สั่งซื้อจาก"
        " {{ store.name }}</p>"
        "{% if order.total_price %}<p>ยอดรวม {{ order.total_price|money(order.currency) }}</p>"
        "{% endif %}"
        "{% if recommendations %}<p>สินค้าที่คุณอาจชอบ:</p><ul>{% for p in recommendations %}"
        '<li><a href="{{ store.url }}{{ p.url or "" }}">{{ p.title }}</a></li>'
        "{% endfor %}</ul>{% endif %}",
    ),
    "back_in_stock": (
        "{{ product.title }} กลับมามีสินค้าแล้ว",
        "<p>ข่าวดี: {{ product.title }} กลับมาพร้อมจำหน่ายแล้ว</p>"
        '<p><a href="{{ store.url }}{{ product.url or "" }}">สั่งซื้อเลย</a></p>',
    ),
    "low_stock_alert": (
        "[{{ store.name }}] สินค้าใกล้หมด: {{ product.title }}",
        "<p>{{ product.title }} เหลือน้อย (เหลือ {{ quantity }} ชิ้น)</p>",
    ),
    "generic": (
        "{{ subject or store.name }}",
        "{{ message }}",
    ),
    "abandoned_cart_second": (
        "ยังตัดสินใจอยู่ใช่ไหม?",
        "<p>ตะกร้าของคุณที่ {{ store.name }} ยังรอคุณอยู่</p>"
        '{% if cart.recovery_url %}<p><a href="{{ cart.recovery_url }}">สั่งซื้อให้เสร็จ</a></p>'
        "{% endif %}",
    ),
    "discount_offer": (
        "ของขวัญขอบคุณจาก {{ store.name }}",
        "<p>สวัสดีคุณ{{ customer.first_name or 'ลูกค้า' }} ใช้โค้ด <strong>{{ discount_code }}</strong>"
        " สำหรับคำสั่งซื้อครั้งถัดไป</p>",
    ),
    "signup_confirm": (
        "ยืนยันการสมัครรับข่าวสารจาก {{ store.name }}",
        "<p>สวัสดีคุณ{{ signup.name or 'ลูกค้า' }}</p>"
        "<p>โปรดยืนยันว่าคุณต้องการรับข่าวสารและข้อเสนอจาก {{ store.name }} ทางอีเมล:</p>"
        '<p><a href="{{ confirm_url }}">ยืนยันการสมัครรับข่าวสาร</a></p>'
        "<p>ลิงก์นี้ใช้ได้ครั้งเดียวและจะหมดอายุใน {{ link_hours }} ชั่วโมง"
        " หากคุณไม่ได้สมัคร โปรดเพิกเฉยต่ออีเมลนี้ คุณจะไม่ถูกสมัครรับข่าวสาร</p>",
    ),
    "welcome_subscriber": (
        "ยินดีต้อนรับสู่จดหมายข่าวของ {{ store.name }}",
        "<p>สวัสดีคุณ{{ customer.first_name or 'ลูกค้า' }}</p>"
        "<p>ขอบคุณที่สมัครรับข่าวสาร คุณจะได้รับข่าวสินค้าใหม่และข้อเสนอก่อนใคร"
        "{% if interests %} ในหมวด {{ interests|join(', ') }}{% endif %}</p>"
        '<p><a href="{{ store.url }}">ไปที่ร้านค้า</a></p>',
    ),
    "subscriber_followup": (
        "มีอะไรใหม่ที่ {{ store.name }}",
        "<p>สวัสดีคุณ{{ customer.first_name or 'ลูกค้า' }}</p>"
        "<p>นี่คือสินค้าใหม่ที่ {{ store.name }} ตั้งแต่คุณสมัครรับข่าวสาร</p>"
        '<p><a href="{{ store.url }}">ดูสินค้ามาใหม่</a></p>',
    ),
}
