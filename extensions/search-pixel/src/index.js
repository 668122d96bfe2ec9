import { register } from "@shopify/web-pixels-extension";

// Count each storefront search: POST the term to the app proxy, which Shopify signs and
// forwards to ecomapp's /storefront/search. Terms only; no customer data is sent.
register(({ analytics, init }) => {
  const origin = init.context.document.location.origin;
  analytics.subscribe("search_submitted", (event) => {
    const term = event.data?.searchResult?.query?.trim();
    if (!term || term.length > 100) return;
    fetch(`${origin}/apps/ecomapp/search`, {
      method: "POST",
      mode: "no-cors",
      keepalive: true,
      body: new URLSearchParams({ term }),
    });
  });
});
