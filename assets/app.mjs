// Progressive enhancement only: every page works without this file.
import { initAll } from "./govuk-frontend.min.js";
import { initGrids } from "./grid.mjs";

// GOV.UK Frontend only enhances pages that declare support; this is normally an
// inline script in the template, which our Content Security Policy does not allow.
document.body.classList.add("govuk-frontend-supported");
initAll();
initGrids();

// GOV.UK Frontend marks radios that reveal a question with aria-expanded, which ARIA
// does not allow on a radio (axe: aria-allowed-attr); the reveal itself is unchanged.
const dropExpanded = () => {
  for (const radio of document.querySelectorAll(".govuk-radios__input[aria-expanded]")) {
    radio.removeAttribute("aria-expanded");
  }
};
dropExpanded();
new MutationObserver(dropExpanded).observe(document.body, {
  subtree: true,
  attributeFilter: ["aria-expanded"],
});

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

// Tables a template did not put in a scroll container get one, so that no page is
// wider than a phone's screen; the box takes keyboard focus only while it scrolls.
const scrollBoxes = [];
for (const table of document.querySelectorAll("main table.govuk-table")) {
  let box = table.closest(".app-table-scroll");
  if (!box) {
    box = document.createElement("div");
    box.className = "app-table-scroll";
    box.dataset.added = "";
    table.before(box);
    box.append(table);
  }
  scrollBoxes.push(box);
}
// Each scrolling box is a region named by its table's caption, made unique with the
// heading above it (several metrics each have a table captioned "Plan").
const usedLabels = new Set(
  [...document.querySelectorAll("[role=region][aria-label]")].map((each) => each.ariaLabel),
);
const uniqueLabel = (box) => {
  const caption = box.querySelector("caption")?.textContent.trim().replace(/\s+/g, " ");
  let heading = "";
  for (let node = box.previousElementSibling; node && !heading; node = node.previousElementSibling) {
    if (/^H[1-4]$/.test(node.tagName)) {
      heading = node.textContent.trim();
    }
  }
  let label = caption || heading || "Table";
  if (usedLabels.has(label) && heading && label !== heading) {
    label = `${heading}: ${label}`;
  }
  for (let n = 2; usedLabels.has(label); n += 1) {
    label = `${caption || heading || "Table"} (${n})`;
  }
  usedLabels.add(label);
  return label;
};
const focusableWhenScrolling = () => {
  for (const box of scrollBoxes) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label")) {
        box.setAttribute("aria-label", uniqueLabel(box));
      }
    } else if ("added" in box.dataset) {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }
};
focusableWhenScrolling();
window.addEventListener("resize", focusableWhenScrolling);
