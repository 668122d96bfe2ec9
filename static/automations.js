// Automation builder: mark the inputs the error list names (data-input / data-nth on each item).
function markBuilderErrors() {
  const form = document.getElementById("builder");
  if (!form) return;
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  form.querySelectorAll(".input-error").forEach((el) => el.remove());
  document.querySelectorAll("#errors li[data-input]").forEach((item) => {
    const input = form.querySelectorAll(`[name="${CSS.escape(item.dataset.input)}"]`)[Number(item.dataset.nth || 0)];
    if (!input) return;
    input.setAttribute("aria-invalid", "true");
    const note = Object.assign(document.createElement("small"), { className: "input-error field-error", textContent: item.dataset.reason });
    input.insertAdjacentElement("afterend", note);
  });
}
document.addEventListener("DOMContentLoaded", markBuilderErrors);
document.addEventListener("htmx:afterSettle", markBuilderErrors);
