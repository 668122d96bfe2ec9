/* ecomapp newsletter signup block: posts the form to the app proxy, shows the app's answer. */
(function () {
  document.querySelectorAll(".ecomapp-signup").forEach((box) => {
    const form = box.querySelector("form");
    const output = form.querySelector("output");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = new URLSearchParams(new FormData(form));
      body.set("consent", form.consent.checked ? "1" : "");
      body.set("consent_text", box.querySelector("[data-consent-text]").textContent.trim());
      let reply;
      try {
        reply = await fetch(box.dataset.proxy + "/signup", { method: "POST", body });
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
