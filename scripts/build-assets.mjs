// Build front-end assets into static/build (never committed): compile the Sass,
// copy GOV.UK Frontend's JavaScript and the few images we use (no fonts, no crown).
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as sass from "sass";

const out = "static/build";
const govuk = "node_modules/govuk-frontend/dist/govuk";

rmSync(out, { recursive: true, force: true });
mkdirSync(`${out}/govuk/images`, { recursive: true });

const css = sass.compile("assets/app.scss", {
  loadPaths: ["node_modules"],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(`${out}/app.css`, css.css);
cpSync(`${govuk}/govuk-frontend.min.js`, `${out}/govuk-frontend.min.js`);
cpSync(`${govuk}/assets/images/favicon.ico`, `${out}/govuk/images/favicon.ico`);
cpSync("assets/app.mjs", `${out}/app.mjs`);
cpSync("assets/grid.mjs", `${out}/grid.mjs`);
cpSync("node_modules/axe-core/axe.min.js", `${out}/axe.min.js`);
console.log(`Built ${out}/app.css (${css.css.length} bytes)`);
