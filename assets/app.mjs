// Progressive enhancement only: every page works without this file.
import { initAll } from "./govuk-frontend.min.js";

// GOV.UK Frontend only enhances pages that declare support; this is normally an
// inline script in the template, which our Content Security Policy does not allow.
document.body.classList.add("govuk-frontend-supported");
initAll();

// Warn before the session ends so nobody loses unsaved work to a silent time-out.
const warning = document.getElementById("session-timeout-warning");
if (warning) {
  const ageSeconds = Number(warning.dataset.sessionAge);
  const warnBefore = Number(warning.dataset.warnBefore);
  const showAt = Math.max(0, (ageSeconds - warnBefore) * 1000);
  window.setTimeout(() => {
    warning.hidden = false;
    warning.focus();
  }, showAt);
  const keepAlive = warning.querySelector("[data-keep-alive]");
  if (keepAlive) {
    keepAlive.addEventListener("click", async (event) => {
      event.preventDefault();
      const response = await fetch(keepAlive.dataset.url, { credentials: "same-origin" });
      if (response.ok) {
        warning.hidden = true;
      }
    });
  }
}

// A file being prepared in the background: follow its progress, and show the finished
// page as soon as it is ready. Without this, the "Check again" button does the same.
const progress = document.querySelector("[data-status-url]");
if (progress) {
  const bar = document.getElementById("download-bar");
  const step = document.getElementById("download-step");
  const poll = async () => {
    try {
      const response = await fetch(progress.dataset.statusUrl, { credentials: "same-origin" });
      if (response.ok) {
        const state = await response.json();
        if (state.status === "ready" || state.status === "failed") {
          window.location.reload();
          return;
        }
        bar.value = state.percent;
        bar.textContent = `${state.percent}%`;
        if (state.step) {
          step.textContent = state.step;
        }
      }
    } catch {
      // A dropped connection is retried at the next tick.
    }
    window.setTimeout(poll, 1500);
  };
  window.setTimeout(poll, 1000);
}
