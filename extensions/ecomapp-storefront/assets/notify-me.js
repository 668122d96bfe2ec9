/* ecomapp back-in-stock block: follows the selected variant, posts to the app proxy. */
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
  async function subscription(proxy) {
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) return null;
    const key = (await (await fetch(proxy + "/push/key")).json()).public_key;
    const reg = await navigator.serviceWorker.register(proxy + "/push/sw.js");
    if ((await Notification.requestPermission()) !== "granted") return null;
    const sub = await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: b64ToBytes(key),
    });
    return JSON.stringify(sub.toJSON());
  }
  document.querySelectorAll(".ecomapp-notify-me").forEach((box) => {
    const available = JSON.parse(box.dataset.available || "{}");
    const form = box.querySelector("form");
    function follow() {
      const chosen = new URLSearchParams(location.search).get("variant") || box.dataset.variant;
      box.dataset.variant = chosen;
      box.hidden = available[chosen] !== false;
    }
    document.addEventListener("change", (e) => {
      if (e.target && e.target.name === "id") setTimeout(follow, 0);
    });
    follow();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const proxy = box.dataset.proxy;
      const body = new URLSearchParams({
        variant_id: box.dataset.variant,
        email: form.email.value,
        consent: form.consent.checked ? "1" : "",
        consent_text: box.querySelector("[data-consent-text]").textContent.trim(),
        visitor_id: visitor(),
      });
      if (form.push && form.push.checked) {
        const sub = await subscription(proxy);
        if (sub) {
          body.set("subscription", sub);
          body.set(
            "consent_text",
            body.get("consent_text") + " " + box.querySelector("[data-push-text]").textContent.trim()
          );
        }
      }
      const reply = await fetch(proxy + "/back-in-stock", { method: "POST", body });
      form.querySelector("output").textContent = reply.ok
        ? "Thanks! We will let you know."
        : "Sorry, that did not work.";
    });
  });
})();
