// ecomapp panel glue. Platform scripts (App Bridge token handling) hook in from their own files.
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  const message = event.detail.xhr.responseText || `Request failed (${status})`;
  const box = document.getElementById("flash") || document.body.appendChild(Object.assign(document.createElement("div"), { id: "flash", className: "error" }));
  box.textContent = message.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim().slice(0, 300);
});
