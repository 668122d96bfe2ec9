// Inside the Shopify admin: every htmx request carries a fresh session token.
// App Bridge patches fetch() only; htmx 2 uses XMLHttpRequest, so we attach the token ourselves.
(() => {
  const FRESH_MS = 40000; // session tokens live 60 s
  let token = null;
  let fetchedAt = 0;

  const fresh = () => token && Date.now() - fetchedAt < FRESH_MS;
  const refresh = async () => {
    token = await window.shopify.idToken();
    fetchedAt = Date.now();
    return token;
  };

  // Navigation becomes htmx requests (so it carries the token) without changing the iframe URL,
  // so that a reload goes through the patch-ID-token bounce with the shop and host it needs.
  document.addEventListener("DOMContentLoaded", () => {
    document.body.setAttribute("hx-boost", "true");
    document.body.setAttribute("hx-push-url", "false");
  });

  // configRequest is synchronous: get the token first, on htmx:confirm, then issue the request.
  document.addEventListener("htmx:confirm", (event) => {
    if (fresh()) return;
    event.preventDefault();
    const question = event.detail.question;
    refresh().then(() => {
      if (question && !window.confirm(question)) return;
      event.detail.issueRequest(true);
    }, (error) => console.error("ecomapp: could not get a session token", error));
  });

  document.addEventListener("htmx:configRequest", (event) => {
    if (token) event.detail.headers["Authorization"] = `Bearer ${token}`;
  });

  // 401 with the retry header: the token was refused; the next request fetches a new one.
  document.addEventListener("htmx:afterRequest", (event) => {
    const xhr = event.detail.xhr;
    if (xhr && xhr.status === 401 && xhr.getResponseHeader("X-Shopify-Retry-Invalid-Session-Request") === "1") {
      token = null;
    }
  });
})();
