// tests/readme-examples/check.mjs — the README's JSON examples against a running server:
// renders chart.vl.json with the vega and vega-lite packages (to SVG, no browser) and checks
// that the Grafana Infinity example's URLs answer records with the fields its columns name.
// Usage: node check.mjs BASE_URL [ARTIFACTS_DIR]
import fs from "node:fs";
import path from "node:path";
import * as vega from "vega";
import * as vl from "vega-lite";

const here = path.dirname(new URL(import.meta.url).pathname);
const base = process.argv[2];
const artifacts = process.argv[3];
/* the examples say http://localhost:8080, as the README shows them */
const load = (name) =>
  JSON.parse(fs.readFileSync(path.join(here, name), "utf8").replaceAll("http://localhost:8080", base));
let failed = 0;
const check = (ok, what) => {
  console.log(`${ok ? "ok" : "FAIL"} - ${what}`);
  if (!ok) failed++;
};

// Vega-Lite: compile, load the records answer, render.
const spec = load("chart.vl.json");
const records = await (await fetch(spec.data.url)).json();
check(Array.isArray(records) && records.length > 10, `vega-lite data URL answers records (${records.length} rows)`);
const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
await view.runAsync();
const rows = view.data("source_0");
check(rows.length === records.length, `vega-lite read every row (${rows.length})`);
check(rows.every((r) => typeof r.year === "number" && typeof r.ratio === "number"), "year and ratio are numbers without a transform");
const svg = await view.toSVG();
const line = /<path[^>]*aria-roledescription="line mark"[^>]*d="M[^"]{40,}"/.test(svg) || /class="mark-line[^"]*"[\s\S]*?<path[^>]*d="M[^"]{40,}"/.test(svg);
check(line, "the line is drawn");
if (artifacts) {
  fs.mkdirSync(artifacts, { recursive: true });
  fs.writeFileSync(path.join(artifacts, "readme-vega-lite.svg"), svg);
}

// Grafana Infinity: every target URL answers records carrying the columns' selectors.
const grafana = load("grafana-infinity.json");
for (const t of grafana.panel.targets) {
  const res = await fetch(t.url);
  const body = await res.json();
  check(res.status === 200 && Array.isArray(body) && body.length > 0, `grafana ${t.refId}: records (${body.length} rows)`);
  for (const c of t.columns)
    check(body.every((r) => c.selector in r && r[c.selector] !== undefined), `grafana ${t.refId}: every row has ${c.selector}`);
  check(body.every((r) => typeof r.value === "number" && Number.isInteger(r.year)), `grafana ${t.refId}: numbers as numbers`);
}
console.log(`readme-examples: ${failed ? failed + " failed" : "all passed"}`);
process.exit(failed ? 1 : 0);
