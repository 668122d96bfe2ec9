/* ecomapp signup form: posts to the plugin's REST route (which signs it), shows the answer. */
(function () {
  document.querySelectorAll("form.ecomapp-signup").forEach((form) => {
    const config = JSON.parse(form.dataset.config);
    const output = form.querySelector("output");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {
        email: form.email.value,
        name: form.name.value,
        phone: form.phone ? form.phone.value : "",
        interests: Array.from(form.querySelectorAll("input[name=interests]:checked"), (i) => i.value),
        consent: form.consent.checked,
        website: form.website.value,
      };
      let reply;
      try {
        reply = await fetch(config.url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
      } catch (error) {
        output.textContent = "Sorry, that did not work. Please try again.";
        return;
      }
      const answer = await reply.json().catch(() => ({}));
      if (reply.ok) {
        output.textContent =
          answer.status === "subscribed"
            ? "You are already subscribed. Thank you!"
            : "Almost done: check your inbox and confirm with the link we sent.";
        form.reset();
      } else {
        output.textContent = answer.message || "Sorry, that did not work.";
      }
    });
  });
})();
