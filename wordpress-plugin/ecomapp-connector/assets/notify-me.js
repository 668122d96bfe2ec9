/* ecomapp notify-me form: e-mail and/or a Web Push subscription, posted to the plugin's REST route. */
(function () {
  function b64ToBytes(text) {
    const pad = "=".repeat((4 - (text.length % 4)) % 4);
    const raw = atob((text + pad).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }
  function visitor() {
    let id = localStorage.getItem("ecomapp-visitor");
    if (!id) {
      id = crypto.randomUUID();
      localStorage.setItem("ecomapp-visitor", id);
    }
    return id;
  }
  async function subscription(config) {
    if (!config.key || !("serviceWorker" in navigator) || !("PushManager" in window)) return null;
    const reg = await navigator.serviceWorker.register(config.worker, { scope: "/" });
    if ((await Notification.requestPermission()) !== "granted") return null;
    const sub = await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: b64ToBytes(config.key),
    });
    return sub.toJSON();
  }
  document.querySelectorAll("form.ecomapp-notify-me").forEach((form) => {
    const config = JSON.parse(form.dataset.config);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {
        variant_id: form.dataset.variant,
        email: form.email.value,
        consent: form.consent.checked,
        visitor_id: visitor(),
      };
      if (form.push.checked) body.subscription = await subscription(config);
      const reply = await fetch(config.notify, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      form.querySelector("output").textContent = reply.ok
        ? "Thanks! We will let you know."
        : "Sorry, that did not work.";
    });
  });
})();
