// ecomapp panel glue. Platform scripts (App Bridge token handling) hook in from their own files.

// A toast: Shopify's own inside the admin (App Bridge), ours standalone (works with no network).
function ecomappToast(message, isError) {
  if (!message) return;
  if (window.shopify && window.shopify.toast) {
    window.shopify.toast.show(message, { isError: !!isError });
    return;
  }
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = message;
  box.classList.toggle("error", !!isError);
  box.hidden = false;
  clearTimeout(box._timer);
  box._timer = setTimeout(() => { box.hidden = true; }, 4000);
}
window.ecomappToast = ecomappToast;

function errorText(xhr) {
  const raw = xhr.responseText || "";
  try {
    const parsed = JSON.parse(raw);
    if (parsed && parsed.message) return parsed.message;
  } catch (_) { /* not JSON: an HTML or text answer */ }
  return raw.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim().slice(0, 300) || `Request failed (${xhr.status})`;
}

document.addEventListener("htmx:responseError", (event) => {
  const message = errorText(event.detail.xhr);
  const box = document.getElementById("flash") || document.body.appendChild(Object.assign(document.createElement("div"), { id: "flash", className: "error", role: "alert" }));
  box.textContent = message;
  ecomappToast(message, true);
});

// Server-side: HX-Trigger {"ecomapp:toast": {"message": "...", "error": false}} on htmx answers,
// or an element with data-toast on a full page (a form that saved and re-rendered).
document.addEventListener("ecomapp:toast", (event) => ecomappToast(event.detail.message, event.detail.error));
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-toast]").forEach((el) => ecomappToast(el.dataset.toast, el.dataset.toastError === "1"));
});
