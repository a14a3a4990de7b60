// tests/browser/test.mjs — the browsing page in a real browser (Debian's Chromium driven by
// playwright-core), against the real server binary, then again behind nginx under a prefix.
//
// Usage: node test.mjs PROSPERITY_BIN [DB] [ARTIFACTS_DIR]
// Each check prints "ok - NAME" or "not ok - NAME" with the reason; the last line is
// "browser: N passed, N failed". Exit status 0 only when every check passed. Every process
// started here (server, nginx, Chromium) is ended before exit, also on a timeout or a signal.

import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const [BIN, DB, ARTIFACTS = path.resolve("artifacts")] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const NGINX = process.env.NGINX || "/usr/sbin/nginx";
const TOTAL_SECONDS = Number(process.env.BROWSER_TEST_SECONDS || 240); // CTest allows 300
const STEP_MS = 10000; // one wait for the page; a healthy page needs well under a second
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
  "--no-first-run", "--disable-background-networking", "--disable-component-update",
  "--disable-sync"];

const children = [];   // processes to end on exit
const tempDirs = [];
let context = null;    // the browser
const results = [];

// ------------------------------------------------------------------- checks ------------

function assert(cond, message) {
  if (!cond)
    throw new Error(message);
}

function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e)
    throw new Error(`${what}: expected ${e.slice(0, 400)}, got ${a.slice(0, 400)}`);
}

/* Runs one named check; a failure is reported (with a screenshot of the page in use, into
 * ARTIFACTS) and the next check still runs. */
let activePage = null;
async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    results.push({ name, ok: false });
    // The message and where in this file it failed; playwright's call logs add little.
    const where = String(err && err.stack || "").split("\n").filter((l) => l.includes("test.mjs")).slice(0, 2);
    const message = String(err && err.message || err).replace(/\x1b\[[0-9;]*m/g, ""); // no colours
    console.log(`not ok - ${name}\n    ${message.split("\n").slice(0, 4).join("\n    ")}`);
    for (const l of where)
      console.log(`    ${l.trim()}`);
    if (activePage && activePage.isClosed())
      activePage = context && context.pages().slice(-1)[0];
    if (activePage && !activePage.isClosed()) {
      const file = path.join(ARTIFACTS, `failed-${results.length}.png`);
      try {
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        await activePage.screenshot({ path: file, fullPage: true, timeout: 5000 });
        console.log(`    screenshot of the page: ${file}`);
      } catch (e) {
        // the browser is gone; the message above has to do
      }
    }
  }
}

// ------------------------------------------------------------------- processes ---------

function tempDir(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

/* Starts a child process and remembers it, so cleanup() can end it whatever happens. */
function startChild(cmd, args, opts) {
  const child = spawn(cmd, args, Object.assign({ stdio: ["ignore", "pipe", "pipe"] }, opts));
  child.output = "";
  const keep = (chunk) => {
    child.output = (child.output + chunk.toString()).slice(-20000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  child.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  child.on("error", (err) => {
    child.output += `\n(spawn failed: ${err.message})`;
  });
  children.push(child);
  return child;
}

/* SIGTERM, then SIGKILL if the process is still there after a grace period. */
async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null)
    return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await child.exited;
  clearTimeout(timer);
}

let cleaning = null;
function cleanup() {
  if (!cleaning)
    cleaning = (async () => {
      if (context)
        await Promise.race([context.close().catch(() => {}), sleep(10000)]);
      await Promise.all(children.map(stopChild));
      for (const d of tempDirs)
        fs.rmSync(d, { recursive: true, force: true });
    })();
  return cleaning;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/* Waits until the server logs the address it listens on (it picks a free port itself). */
async function startServer() {
  const args = ["serve", "--port", "0", "--listen", "127.0.0.1", "--access-log", "off"];
  if (DB)
    args.push("--db", DB);
  const server = startChild(BIN, args);
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(server.output);
    if (m)
      return { server, origin: m[1] };
    if (server.exitCode !== null)
      break;
    await sleep(50);
  }
  throw new Error(`the server did not start:\n${server.output}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

/* nginx in the foreground as our child, everything it writes in a temporary folder;
 * /prosperity/ is proxied to the server with the prefix stripped. */
async function startNginx(upstream) {
  const dir = tempDir("prosperity-nginx-");
  fs.chmodSync(dir, 0o755); // workers run as another user when we are root
  const port = await freePort();
  const conf = path.join(dir, "nginx.conf");
  fs.writeFileSync(conf, `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location /prosperity/ {
      proxy_pass ${upstream}/;
      proxy_max_temp_file_size 0;
    }
  }
}
`);
  const nginx = startChild(NGINX, ["-e", path.join(dir, "error.log"), "-p", dir, "-c", conf,
    "-g", "daemon off;"]);
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (nginx.exitCode !== null)
      break;
    try {
      const res = await fetch(`${origin}/prosperity/healthz`);
      if (res.ok)
        return { nginx, origin };
    } catch (e) {
      // not listening yet
    }
    await sleep(100);
  }
  let log = "";
  try {
    log = fs.readFileSync(path.join(dir, "error.log"), "utf8");
  } catch (e) {
    // no log written
  }
  throw new Error(`nginx did not start:\n${nginx.output}\n${log}`);
}

// ------------------------------------------------------------------- page helpers ------

async function getJSON(url) {
  const res = await fetch(url);
  assert(res.ok, `${url}: HTTP ${res.status}`);
  return res.json();
}

/* A new tab that records its console errors; requests are recorded for the whole browser. */
async function newPage(viewport) {
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  if (viewport)
    await page.setViewportSize(viewport);
  page.consoleErrors = [];
  page.on("console", (m) => {
    if (m.type() === "error")
      page.consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => page.consoleErrors.push(`uncaught: ${e.message}`));
  pages.push(page);
  activePage = page;
  return page;
}
const pages = [];

/* Waits until the page has drawn the view the URL asks for (app.js sets these on <main>). */
async function ready(page, want) {
  await page.waitForFunction((w) => {
    const main = document.querySelector("main[data-status]");
    if (!main)
      return false;
    const d = main.dataset;
    return d.status === (w.status || "ready") &&
      Object.entries(w).every(([k, v]) => k === "status" || d[k] === v);
  }, want, { timeout: STEP_MS });
}

/* Every line of every chart of the page, as plain data; the null points that keep a gap
 * open are left out of `points` and counted in `gaps`. */
function chartDatasets(page, selector) {
  return page.evaluate((sel) => [...document.querySelectorAll(sel + " canvas")].flatMap((c) =>
    window.Chart.getChart(c).data.datasets.map((d) => ({
      regionId: d.regionId || null, benchmark: !!d.benchmark, label: d.label,
      segment: !!d.trendSegment, breakYear: d.breakYear || null, color: d.borderColor,
      highlighted: d.highlighted == null ? null : d.highlighted, spanGaps: d.spanGaps,
      gaps: d.data.filter((p) => p && typeof p === "object" && p.y === null).length,
      points: d.data.filter((p) => !(p && typeof p === "object" && p.y === null))
        .map((p) => (typeof p === "number" ? p : [p.x, p.y]))
    }))), selector || "#chart-list");
}

/* The API's series as [regionId, [[year, value]...]] pairs, like chartDatasets. */
function expectedLines(series) {
  return series.series.map((s) => [s.region.id,
    s.observations.filter((o) => o.value !== null).map((o) => [o.year, o.value])]);
}

async function checkChartMatchesApi(page, origin, query) {
  const api = await getJSON(`${origin}/v1/series?${query}`);
  const lines = (await chartDatasets(page)).filter((d) => !d.benchmark && !d.segment && !d.breakYear);
  assertEqual(lines.map((d) => d.regionId).sort(), api.series.map((s) => s.region.id).sort(),
    "one dataset per region of v1/series");
  const byRegion = new Map(lines.map((d) => [d.regionId, d.points]));
  for (const [id, points] of expectedLines(api))
    assertEqual(byRegion.get(id), points, `chart values of ${id}`);
  return api;
}

/* The table cells as region -> year -> value, read from data-value (the exact number). */
function tableValues(page) {
  return page.evaluate(() => {
    const out = {};
    for (const td of document.querySelectorAll("#panel-table td[data-region]")) {
      if (td.dataset.value === "")
        continue;
      (out[td.dataset.region] = out[td.dataset.region] || {})[td.dataset.year] = Number(td.dataset.value);
    }
    return out;
  });
}

/* What a user would see that is broken: error boxes, and values JavaScript leaks into text. */
function pageProblems(page) {
  return page.evaluate(() => {
    const main = document.querySelector("main");
    const junk = (main.innerText.match(/\b(null|undefined|NaN)\b|\[object \w+\]/g) || []);
    const errors = [...document.querySelectorAll(".error")].map((e) => e.textContent);
    return junk.map((j) => `text "${j}"`).concat(errors.map((e) => `error "${e}"`));
  });
}

/* Neighbouring x tick labels of the charts in SCOPE whose text would overlap: their distance in
 * pixels against half their widths (measured with the chart's default font) plus 2 px. */
async function xTickOverlaps(page, scope) {
  return page.$$eval(`${scope} canvas`, (cs) => cs.flatMap((c) => {
    const chart = window.Chart.getChart(c);
    const x = chart && chart.scales.x;
    if (!x)
      return [];
    const ctx = chart.ctx, f = window.Chart.defaults.font;
    ctx.save();
    ctx.font = `${(x.options.ticks.font && x.options.ticks.font.size) || f.size}px ${f.family}`;
    const ticks = x.ticks.map((tk, i) => ({ label: String(tk.label), px: x.getPixelForTick(i),
      w: ctx.measureText(String(tk.label)).width }));
    ctx.restore();
    const bad = [];
    for (let i = 1; i < ticks.length; i++)
      if (ticks[i].px - ticks[i - 1].px < (ticks[i].w + ticks[i - 1].w) / 2 + 2)
        bad.push(`${ticks[i - 1].label}|${ticks[i].label}`);
    return bad;
  }));
}

async function screenshot(page, name) {
  assertEqual(await pageProblems(page), [], `what ${name} shows`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`    screenshot ${file}`);
}

// ------------------------------------------------------------------- the checks --------

async function directChecks(origin) {
  let page;

  await check("the page loads at / and shows the default indicator", async () => {
    page = await newPage({ width: 1280, height: 900 });
    const res = await page.goto(`${origin}/`);
    assert(res.ok(), `GET / answered ${res.status()}`);
    assert((res.headers()["content-type"] || "").startsWith("text/html"),
      `GET / has Content-Type ${res.headers()["content-type"]}, not text/html`);
    await ready(page, { lang: "en", panel: "table" });
    const id = await page.$eval("main", (m) => m.dataset.indicator);
    assert(id, "no indicator shown");
    assertEqual(await page.$eval("#indicator", (s) => s.value), id, "selected indicator");
  });

  await check("an indicator is chosen through search and select", async () => {
    await page.fill("#search", "gross regional");
    const options = await page.$$eval("#indicator option", (os) => os.map((o) => o.value));
    assert(options.includes("gdp_per_capita"), `search left ${options.join(", ")}`);
    assert(!options.includes("hospital_beds_per_1000"), "search did not filter the list");
    await page.selectOption("#indicator", "gdp_per_capita");
    await ready(page, { indicator: "gdp_per_capita" });
    assert(new URL(page.url()).searchParams.get("indicator") === "gdp_per_capita", `URL ${page.url()}`);
    // Enter in the search box takes the first match
    await page.fill("#search", "urban_rural_income_ratio");
    await page.press("#search", "Enter");
    await ready(page, { indicator: "urban_rural_income_ratio" });
    await page.fill("#search", "");
    await page.selectOption("#indicator", "gdp_per_capita");
    await ready(page, { indicator: "gdp_per_capita" });
  });

  await check("the chart has one dataset per region with the API's values", async () => {
    await checkChartMatchesApi(page, origin, "indicator=gdp_per_capita");
  });

  await check("hovering a chart shows the values of that year", async () => {
    const canvas = page.locator("#chart-list canvas").first();
    const box = await canvas.boundingBox();
    await canvas.hover({ position: { x: box.width * 0.6, y: box.height / 2 } });
    // Chart.js handles pointer events on the next animation frame
    await page.waitForFunction(() => window.Chart.getChart(document.querySelector("#chart-list canvas"))
      .tooltip.getActiveElements().length > 0, null, { timeout: 5000 }).catch(() => {});
    const tip = await page.evaluate(() => {
      const chart = window.Chart.getChart(document.querySelector("#chart-list canvas"));
      return { active: chart.tooltip.getActiveElements().length,
        lines: (chart.tooltip.body || []).flatMap((b) => b.lines) };
    });
    assert(tip.active > 1, `${tip.active} points under the pointer`);
    assert(tip.lines.every((l) => /: [\d,.]+ yuan/.test(l)), `tooltip lines ${JSON.stringify(tip.lines.slice(0, 3))}`);
    await page.mouse.move(0, 0);
  });

  await check("the year range narrows chart and table", async () => {
    await page.fill("#from", "2015");
    await page.press("#from", "Enter");
    await ready(page, { indicator: "gdp_per_capita" });
    await page.waitForFunction(() => new URLSearchParams(location.search).get("from") === "2015");
    await ready(page, { indicator: "gdp_per_capita" });
    await checkChartMatchesApi(page, origin, "indicator=gdp_per_capita&from=2015");
    const years = await page.$$eval("#panel-table tbody th", (ths) => ths.map((t) => Number(t.textContent)));
    assert(years.length && Math.min(...years) === 2015, `table years ${years.slice(0, 3)}`);
    await page.click("#reset-years");
    await page.waitForFunction(() => !new URLSearchParams(location.search).has("from"));
    await ready(page, { indicator: "gdp_per_capita" });
  });

  await check("the table matches the API", async () => {
    const api = await getJSON(`${origin}/v1/series?indicator=gdp_per_capita`);
    const want = {};
    for (const s of api.series)
      for (const o of s.observations)
        if (o.value !== null)
          (want[s.region.id] = want[s.region.id] || {})[o.year] = o.value;
    assertEqual(await tableValues(page), want, "table cells");
    const heads = await page.$$eval("#panel-table thead th[data-region]", (ths) => ths.map((t) => t.dataset.region));
    assertEqual(heads.sort(), Object.keys(want).sort(), "table columns");
    const cites = await page.$$eval("#panel-table .sources li", (lis) => lis.length);
    assert(cites >= 1, "no source citations under the table");
  });

  await check("status flags are marked in chart and table", async () => {
    await page.selectOption("#indicator", "income_per_capita");
    await ready(page, { indicator: "income_per_capita" });
    const api = await checkChartMatchesApi(page, origin, "indicator=income_per_capita");
    const urban = api.series.find((s) => s.region.id === "urban");
    const k = urban.observations.findIndex((o) => o.status === "break");
    assert(k >= 0, "the data have no series break for urban income any more");
    const year = urban.observations[k].year;
    const style = await page.evaluate(({ year }) => {
      for (const c of document.querySelectorAll("#chart-list canvas")) {
        const chart = window.Chart.getChart(c);
        const i = chart.data.datasets.findIndex((d) => d.regionId === "urban");
        if (i < 0)
          continue;
        const j = chart.data.datasets[i].data.findIndex((p) => p.x === year);
        return chart.getDatasetMeta(i).data[j].options.pointStyle;
      }
      return null;
    }, { year });
    assertEqual(style, "rectRot", `point style of the break in ${year}`);
    const flag = await page.$(`#panel-table td[data-region="urban"][data-year="${year}"][data-status="break"] .flag`);
    assert(flag, "the table does not flag the break");
  });

  await check("benchmarks are drawn as flat reference lines", async () => {
    await page.selectOption("#indicator", "urban_rural_income_ratio");
    await ready(page, { indicator: "urban_rural_income_ratio" });
    const meta = await getJSON(`${origin}/v1/indicators/urban_rural_income_ratio`);
    assert(meta.benchmarks.length > 0, "urban_rural_income_ratio has no benchmark in the data");
    const refs = (await chartDatasets(page)).filter((d) => d.benchmark);
    assert(refs.length >= meta.benchmarks.length, `${refs.length} reference lines`);
    for (const b of meta.benchmarks)
      assert(refs.some((r) => r.points.every((p) => p[1] === b.value)), `no flat line at ${b.value}`);
  });

  await check("the gaps panel says whether pairs and groups narrow or widen", async () => {
    await page.selectOption("#indicator", "gdp_per_capita");
    await ready(page, { indicator: "gdp_per_capita" });
    await page.click("#tab-gaps");
    await ready(page, { indicator: "gdp_per_capita", panel: "gaps" });
    const pairs = await getJSON(`${origin}/v1/gaps/pairs?indicator=gdp_per_capita&reference=east`);
    for (const p of pairs.pairs) {
      const shown = await page.$eval(`#panel-gaps [data-reference="east"] li[data-region="${p.region.id}"]`,
        (li) => ({ direction: li.dataset.direction, text: li.textContent }));
      assertEqual(shown.direction, p.summary.direction, `direction east vs ${p.region.id}`);
      assert(shown.text.includes(p.summary.direction), `"${shown.text}" does not say ${p.summary.direction}`);
    }
    const disp = await getJSON(`${origin}/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces&measures=cv,gini`);
    const shown = await page.$eval('#panel-gaps [data-group="provinces"] .sentence', (p) => p.dataset.direction);
    assertEqual(shown, disp.sigma_convergence.direction, "sigma convergence of the provinces");
    const lines = await chartDatasets(page, '#panel-gaps [data-group="provinces"]');
    assertEqual(lines.map((l) => l.points), [disp.years.map((y) => [y.year, y.cv]),
      disp.years.map((y) => [y.year, y.gini])], "CV and Gini lines");
  });

  await check("the compare panel ranks the regions of the latest common year", async () => {
    await page.click("#tab-compare");
    await ready(page, { indicator: "gdp_per_capita", panel: "compare" });
    const series = await getJSON(`${origin}/v1/series?indicator=gdp_per_capita`);
    const ids = series.series.map((s) => s.region.id);
    const years = series.series[0].observations.map((o) => o.year);
    const cmp = await getJSON(`${origin}/v1/compare?indicators=gdp_per_capita&regions=${ids.join(",")}&year=latest&since=${years[0]}`);
    const rows = cmp.rows.slice().sort((a, b) => a.rank - b.rank);
    const bars = await page.evaluate(() => {
      const d = window.Chart.getChart(document.querySelector("#panel-compare canvas")).data.datasets[0];
      return { ids: d.regionIds, values: d.data };
    });
    assertEqual(bars.ids, rows.map((r) => r.region.id), "bar order");
    assertEqual(bars.values, rows.map((r) => r.value), "bar values");
    const head = await page.$eval("#panel-compare table", (t) => t.textContent);
    assert(head.includes(`since ${years[0]}`), "no change since the first year in the table");
  });

  await check("a region card opens from the table header and from the legend", async () => {
    await page.selectOption("#indicator", "income_per_capita");
    await page.click("#tab-table");
    await ready(page, { indicator: "income_per_capita", panel: "table" });
    await page.click('#panel-table thead button[data-region="rural"]');
    await ready(page, { region: "rural" });
    const profile = await getJSON(`${origin}/v1/regions/rural/profile`);
    assert(await page.$eval("#card", (d) => d.open), "the card is not open");
    assertEqual(await page.textContent("#card-title"), profile.region.name, "card title");
    assertEqual(await page.$$eval("#card tbody tr", (r) => r.length), profile.indicators.length, "card rows");
    assert(new URL(page.url()).searchParams.get("region") === "rural", "region not in the URL");
    await page.keyboard.press("Escape");
    await ready(page, { region: "" });
    assert(!(await page.$eval("#card", (d) => d.open)), "Escape did not close the card");
    await page.click('#chart-list .legend-info[data-region="urban"]');
    await ready(page, { region: "urban" });
    assertEqual(await page.textContent("#card-title"), "Urban", "card title from the legend");
    await page.click("#card-close");
    await ready(page, { region: "" });
  });

  await check("legend buttons hide and show a line", async () => {
    const toggle = page.locator("#chart-list .legend-toggle").first();
    await toggle.click();
    assertEqual(await toggle.getAttribute("aria-pressed"), "false", "aria-pressed after a click");
    const hidden = await page.evaluate(() => !window.Chart.getChart(document.querySelector("#chart-list canvas")).isDatasetVisible(0));
    assert(hidden, "the line is still visible");
    await toggle.click();
    assertEqual(await toggle.getAttribute("aria-pressed"), "true", "aria-pressed after a second click");
  });

  await check("the language switch translates labels and names", async () => {
    await page.click('button[data-lang="zh"]');
    await ready(page, { lang: "zh", indicator: "income_per_capita" });
    const meta = await getJSON(`${origin}/v1/indicators/income_per_capita`);
    assertEqual(await page.textContent("h1"), "共同富裕指标浏览", "heading");
    assertEqual(await page.textContent("#tab-table"), "数据表", "tab label");
    assertEqual(await page.textContent("#indicator-title"), meta.name_zh, "indicator name");
    const option = await page.$eval("#indicator", (s) => s.selectedOptions[0].textContent);
    assert(option.startsWith(meta.name_zh), `selected option reads ${option}`);
    assertEqual(await page.getAttribute("html", "lang"), "zh-CN", "html lang");
    assert(new URL(page.url()).searchParams.get("lang") === "zh", "lang not in the URL");
    await page.click('button[data-lang="en"]');
    await ready(page, { lang: "en" });
    assertEqual(await page.textContent("#indicator-title"), meta.name_en, "indicator name in English");
  });

  await check("back and forward restore earlier views", async () => {
    await page.selectOption("#indicator", "gdp_per_capita");
    await ready(page, { indicator: "gdp_per_capita", panel: "table" });
    await page.click("#tab-gaps");
    await ready(page, { indicator: "gdp_per_capita", panel: "gaps" });
    await page.goBack();
    await ready(page, { indicator: "gdp_per_capita", panel: "table" });
    await page.goBack();
    await ready(page, { indicator: "income_per_capita", lang: "en" });
    assertEqual(await page.$eval("#indicator", (s) => s.value), "income_per_capita", "select after back");
    await checkChartMatchesApi(page, origin, "indicator=income_per_capita");
    await page.goForward();
    await ready(page, { indicator: "gdp_per_capita", panel: "table" });
    await page.goForward();
    await ready(page, { indicator: "gdp_per_capita", panel: "gaps" });
    assertEqual(await page.getAttribute("#tab-gaps", "aria-selected"), "true", "gaps tab after forward");
  });

  await check("every indicator renders in every panel, like the API says", async () => {
    const list = await getJSON(`${origin}/v1/indicators`);
    const problems = [];
    const panels = ["table", "gaps", "compare"];
    let panel = await page.$eval("main", (m) => m.dataset.panel);
    for (const ind of list.indicators) {
      await page.selectOption("#indicator", ind.id);
      await ready(page, { indicator: ind.id, panel });
      try {
        await checkChartMatchesApi(page, origin, `indicator=${ind.id}`);
      } catch (err) {
        problems.push(`${ind.id}: ${err.message}`);
      }
      // visit the three panels, starting with the one shown
      for (let k = 0; k < panels.length; k++) {
        if (k > 0) {
          panel = panels[(panels.indexOf(panel) + 1) % panels.length];
          await page.click(`#tab-${panel}`);
          await ready(page, { indicator: ind.id, panel });
        }
        for (const p of await pageProblems(page))
          problems.push(`${ind.id} (${panel}): ${p}`);
      }
    }
    assertEqual(problems, [], "problems");
  });

  await check("tabs work from the keyboard and every field has a label", async () => {
    await page.focus("#tab-gaps");
    await page.keyboard.press("ArrowRight");
    await ready(page, { panel: "distribution" });
    assert(await page.$eval("#tab-distribution", (t) => t === document.activeElement), "focus did not move");
    await page.keyboard.press("End");
    await ready(page, { panel: "compare" });
    await page.keyboard.press("Home");
    await ready(page, { panel: "map" });
    await page.click("#tab-index");
    await ready(page, { panel: "index" });
    const unlabelled = await page.$$eval("input, select", (els) =>
      els.filter((e) => !e.labels || !e.labels.length).map((e) => e.id || e.outerHTML));
    assertEqual(unlabelled, [], "fields without a label");
  });

  await check("every chart links its data as CSV and JSON", async () => {
    const links = await page.$$eval("#chart-list .chart-card", (cards) => cards.map((c) =>
      [...c.querySelectorAll(".data-links a")].map((a) => a.href)));
    assert(links.length > 0 && links.every((l) => l.length === 2), `links ${JSON.stringify(links)}`);
    const [csv, json] = links[0];
    const a = await fetch(csv);
    assert(a.ok && (a.headers.get("content-type") || "").startsWith("text/csv"), `${csv}: ${a.status}`);
    const b = await fetch(json);
    assert(b.ok && (b.headers.get("content-type") || "").startsWith("application/json"), `${json}: ${b.status}`);
  });

  await check("a URL with state restores the view in a new page", async () => {
    const p2 = await newPage({ width: 1280, height: 900 });
    await p2.goto(`${origin}/?indicator=gdp_per_capita&regions=group:four_regions&panel=gaps&lang=zh`);
    await ready(p2, { indicator: "gdp_per_capita", panel: "gaps", lang: "zh" });
    assertEqual(await p2.$eval("#indicator", (s) => s.value), "gdp_per_capita", "indicator");
    assertEqual(await p2.$eval("#regions", (s) => s.value), "group:four_regions", "regions");
    assertEqual(await p2.getAttribute("#tab-gaps", "aria-selected"), "true", "gaps tab");
    assert(!(await p2.$eval("#panel-gaps", (p) => p.hidden)), "gaps panel hidden");
    assertEqual(await p2.textContent("h1"), "共同富裕指标浏览", "heading");
    await checkChartMatchesApi(p2, origin, "indicator=gdp_per_capita&regions=group:four_regions");
    await screenshot(p2, "desktop-zh.png");
    await p2.close();
  });

  await check("API errors are shown with their detail", async () => {
    const p3 = await newPage();
    await p3.goto(`${origin}/?indicator=no_such_indicator`);
    await ready(p3, { status: "error" });
    const res = await fetch(`${origin}/v1/indicators/no_such_indicator`);
    const problem = await res.json();
    const text = await p3.textContent("#error");
    assert(text.includes(problem.detail), `the page says "${text}", the API "${problem.detail}"`);
    await p3.close();
    pages.splice(pages.indexOf(p3), 1); // its 404 is logged to the console on purpose
  });

  await check("without Chart.js the page still shows the table", async () => {
    const p4 = await newPage();
    await p4.route("**/static/vendor/chart.min.js", (route) => route.abort());
    await p4.goto(`${origin}/?indicator=income_per_capita`);
    await ready(p4, { indicator: "income_per_capita" });
    assert(await p4.isVisible("#chart-note"), "no note that charts are missing");
    assert((await p4.$$("#panel-table td[data-value]")).length > 40, "no table");
    assertEqual((await p4.$$("canvas")).length, 0, "canvases without Chart.js");
    await p4.close();
    pages.splice(pages.indexOf(p4), 1); // the aborted script is logged on purpose
  });

  await check("screenshots at desktop and phone width, English and Chinese", async () => {
    await page.goto(`${origin}/?indicator=gdp_per_capita&regions=all&panel=gaps`);
    await ready(page, { indicator: "gdp_per_capita", panel: "gaps" });
    await screenshot(page, "desktop-en.png");
    for (const lang of ["en", "zh"]) {
      const phone = await newPage({ width: 390, height: 844 });
      await phone.goto(`${origin}/?indicator=income_per_capita&panel=gaps&lang=${lang}`);
      await ready(phone, { indicator: "income_per_capita", panel: "gaps", lang });
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 0, `the page is ${overflow} px wider than the phone`);
      await screenshot(phone, `phone-${lang}.png`);
      if (lang === "zh") {
        await phone.click('#chart-list .legend-info[data-region="rural"]');
        await ready(phone, { region: "rural" });
        await phone.screenshot({ path: path.join(ARTIFACTS, "phone-zh-card.png") });
      }
      await phone.close();
    }
  });
}

// ------------------------------------------------------------------- the views ---------

/* English words left on a Chinese page: runs of 4+ Latin letters outside the citations,
 * the data links and the ids the page shows on purpose. */
function englishLeft(page) {
  return page.evaluate(() => {
    // the language button says "English" in English on purpose; method and format names
    const skip = new Set(["English", "TOPSIS", "Dagum", "JSON", "nrd0"]);
    const out = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const e = n.parentElement;
      if (!e || e.closest(".sources, script, style, [hidden], dialog:not([open])") || !e.getClientRects().length)
        continue;
      for (const w of n.textContent.match(/[A-Za-z][A-Za-z0-9_]{3,}/g) || [])
        if (!skip.has(w))
          out.add(w);
    }
    return [...out];
  });
}

async function noOverflow(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert(overflow <= 0, `the page is ${overflow} px wider than the window`);
}

async function viewChecks(origin) {
  const ind = "residents_disposable_income";
  const series = await getJSON(`${origin}/v1/series?indicator=${ind}&regions=group:provinces`);
  const lastYear = Math.max(...series.series.flatMap((s) => s.observations.map((o) => o.year)));
  const meta = { en: await getJSON(`${origin}/v1/indicators/${ind}`),
    zh: await getJSON(`${origin}/v1/indicators/${ind}?lang=zh`) };
  const pairs = await getJSON(`${origin}/v1/gaps/pairs?indicator=income_per_capita&reference=urban&regions=rural&target=2`);
  const rural = pairs.pairs[0];
  const peak = rural.years.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  const lastSegment = rural.summary.segments[rural.summary.segments.length - 1];
  const index = await getJSON(`${origin}/v1/index?indicators=residents_disposable_income,residents_consumption,urbanization_rate,hdi,public_expenditure_per_capita&directions=%2B,%2B,%2B,%2B,%2B&regions=group:provinces&year=latest`);

  for (const lang of ["en", "zh"])
    for (const width of [1280, 390]) {
      const tag = `${lang}-${width}`;
      let page;
      await check(`map view (${tag}): 31 tiles with the API's values, default for provincial data`, async () => {
        page = await newPage({ width, height: width > 400 ? 900 : 844 });
        await page.goto(`${origin}/?indicator=${ind}&lang=${lang}`);
        await ready(page, { indicator: ind, panel: "map", lang });
        const tiles = await page.$$eval("#panel-map .tile[data-region]", (ts) => ts.map((t) =>
          ({ id: t.dataset.region, value: t.dataset.value, text: t.textContent, title: t.title })));
        assertEqual(tiles.length, 31, "tiles");
        const want = {};
        for (const s of series.series)
          want[s.region.id] = s.observations.find((o) => o.year === lastYear).value;
        for (const tile of tiles) {
          assertEqual(Number(tile.value), want[tile.id], `value of ${tile.id}`);
          assert(/\d/.test(tile.text), `tile ${tile.id} shows no value: ${tile.text}`);
          assert(tile.title.includes(String(lastYear)) && tile.title.includes(meta[lang].unit),
            `title of ${tile.id}: ${tile.title}`);
        }
        const legend = await page.textContent("#panel-map .tilemap-key");
        assert(legend.includes(meta[lang].unit), `legend without the unit: ${legend}`);
        assert(await page.$("#panel-map label[for=map-year]"), "year control without a label");
        await noOverflow(page);
        if (lang === "zh") {
          assertEqual(await page.textContent("#overview .description"), meta.zh.description_zh, "description");
          assertEqual(await englishLeft(page), [], "English words on the Chinese page");
        }
        await screenshot(page, `map-${tag}.png`);
      });

      if (width === 1280)
        await check(`map view (${tag}): year control, relative to the mean, tile by keyboard opens the card`, async () => {
          await page.selectOption("#map-year", "2016");
          await page.waitForFunction(() => new URLSearchParams(location.search).get("year") === "2016");
          await ready(page, { panel: "map" });
          const bj = series.series.find((s) => s.region.id === "beijing").observations.find((o) => o.year === 2016).value;
          assertEqual(Number(await page.getAttribute('#panel-map .tile[data-region="beijing"]', "data-value")), bj, "beijing 2016");
          await page.check("#map-relative");
          await ready(page, { panel: "map" });
          const rel = await page.$$eval("#panel-map .tile", (ts) => ts.map((t) => Number(t.dataset.value)));
          const mean = rel.reduce((a, b) => a + b, 0) / rel.length;
          assert(Math.abs(mean - 1) < 1e-9, `relative values average ${mean}`);
          await page.focus('#panel-map .tile[data-region="tibet"]');
          await page.keyboard.press("Enter");
          await ready(page, { region: "tibet" });
          assert(await page.$eval("#card", (d) => d.open), "the card is not open");
          await page.keyboard.press("Escape");
          await ready(page, { region: "" });
        });

      await check(`distribution view (${tag}): densities of a few years with their bandwidths, Markov heat table`, async () => {
        await page.goto(`${origin}/?indicator=${ind}&panel=distribution&lang=${lang}`);
        await ready(page, { indicator: ind, panel: "distribution", lang });
        const lines = await chartDatasets(page, "#panel-distribution");
        assert(lines.length >= 2 && lines.length <= 4, `${lines.length} density curves`);
        const years = lines.map((l) => Number(l.label));
        const dens = await getJSON(`${origin}/v1/gaps/density?indicator=${ind}&regions=group:provinces&from=${years[0]}&to=${years[years.length - 1]}&points=128`);
        for (const l of lines) {
          const y = dens.years.find((x) => x.year === Number(l.label));
          assertEqual(l.points, y.points.map((p) => [p.x, p.density]), `density ${l.label}`);
        }
        const text = await page.textContent("#panel-distribution .bandwidth");
        assert(text.includes("nrd0") && years.every((y) => text.includes(String(y))), `bandwidth sentence: ${text}`);
        const mob = await getJSON(`${origin}/v1/gaps/mobility?indicator=${ind}&regions=group:provinces`);
        const cells = await page.$$eval("#panel-distribution table.markov tbody td.heat", (tds) => tds.map((t) => Number(t.dataset.probability)));
        assertEqual(cells, mob.probabilities.flat(), "Markov probabilities");
        await noOverflow(page);
        if (lang === "zh")
          assertEqual(await englishLeft(page), [], "English words on the Chinese page");
        await screenshot(page, `distribution-${tag}.png`);
      });

      await check(`index view (${tag}): ranked table with score, TOPSIS and weights, and a map`, async () => {
        await page.goto(`${origin}/?panel=index&lang=${lang}`);
        await ready(page, { panel: "index", lang });
        const rows = await page.$$eval('#panel-index table[data-table="index"] tbody tr', (trs) => trs.map((tr) => ({
          region: tr.dataset.region, rank: Number(tr.cells[0].textContent),
          score: Number(tr.querySelector("[data-score]").dataset.score),
          topsis: Number(tr.querySelector("[data-topsis]").dataset.topsis)
        })));
        const want = index.rows.slice().sort((a, b) => a.rank - b.rank)
          .map((r) => ({ region: r.region.id, rank: r.rank, score: r.score, topsis: r.topsis }));
        assertEqual(rows, want, "index rows");
        const weights = await page.$$eval('#panel-index table[data-table="weights"] [data-weight]', (tds) => tds.map((t) => Number(t.dataset.weight)));
        assertEqual(weights, index.indicators.map((i) => i.weight), "weights");
        assertEqual((await page.$$("#panel-index .tile[data-value]:not([data-value=''])")).length, 31, "index map tiles");
        assert(await page.$eval("#panel-index fieldset legend", (l) => l.textContent.length > 0), "picker without a legend");
        await noOverflow(page);
        if (lang === "zh")
          assertEqual(await englishLeft(page), [], "English words on the Chinese page");
        await screenshot(page, `index-${tag}.png`);
      });

      await check(`gaps view (${tag}): the income ratio's headline from its segments, 2.0 and its year, the survey break`, async () => {
        await page.goto(`${origin}/?indicator=income_per_capita&panel=gaps&lang=${lang}`);
        await ready(page, { indicator: "income_per_capita", panel: "gaps", lang });
        const item = '#panel-gaps [data-reference="urban"] li[data-region="rural"]';
        const headline = await page.textContent(`${item} .headline`);
        assert(!/widening|扩大/.test(headline), `headline says widening: ${headline}`);
        const num = (v) => new Intl.NumberFormat(lang === "zh" ? "zh-CN" : "en-US", { maximumFractionDigits: 2 }).format(v);
        for (const part of [String(lastSegment.from), num(peak.ratio), String(peak.year)])
          assert(headline.includes(part), `headline "${headline}" lacks ${part}`);
        assert(headline.includes(lang === "zh" ? "缩小" : "narrowing"), `headline: ${headline}`);
        const target = await page.getAttribute(`${item} .target`, "data-target-year");
        assertEqual(Number(target), rural.summary.target.year, "target year");
        const lines = await chartDatasets(page, '#panel-gaps [data-reference="urban"]');
        assertEqual(lines.filter((l) => l.segment).length, rural.summary.segments.length, "segment lines");
        assert(lines.some((l) => l.benchmark && l.points.every((p) => p[1] === 2)), "no 2.0 line");
        const breaks = rural.years.filter((y) => y.status === "break" || y.reference_status === "break").map((y) => y.year);
        assertEqual(lines.filter((l) => l.breakYear).map((l) => l.breakYear), breaks, "break lines");
        assertEqual(await xTickOverlaps(page, '#panel-gaps [data-reference="urban"]'), [], "x tick labels on top of each other");
        await noOverflow(page);
        if (lang === "zh")
          assertEqual(await englishLeft(page), [], "English words on the Chinese page");
        await screenshot(page, `gaps-income-${tag}.png`);
      });

      await check(`gaps view (${tag}): provinces with Dagum shares per year and Moran's I`, async () => {
        await page.goto(`${origin}/?indicator=${ind}&panel=gaps&lang=${lang}`);
        await ready(page, { indicator: ind, panel: "gaps", lang });
        const disp = await getJSON(`${origin}/v1/gaps/dispersion?indicator=${ind}&regions=group:provinces&group_by=parent&measures=cv,gini`);
        const bars = await page.evaluate(() => window.Chart.getChart(document.querySelector('#panel-gaps [data-analysis="dagum"] canvas'))
          .data.datasets.map((d) => d.data));
        assertEqual(bars, ["within", "net_between", "transvariation"].map((k) => disp.years.map((y) => y.dagum.shares[k])), "Dagum shares");
        const sp = await getJSON(`${origin}/v1/gaps/spatial?indicator=${ind}&regions=group:provinces`);
        assertEqual(await page.$$eval('#panel-gaps table[data-table="moran"] tbody tr', (r) => r.length), sp.years.length, "Moran rows");
        const lastM = sp.years[sp.years.length - 1].moran;
        assertEqual(await page.getAttribute('#panel-gaps [data-analysis="moran"] .sentence', "data-significant"),
          String(lastM.p_two_sided_random < 0.05), "significance of the last year");
        await noOverflow(page);
        if (lang === "zh")
          assertEqual(await englishLeft(page), [], "English words on the Chinese page");
        await screenshot(page, `gaps-provinces-${tag}.png`);
        await page.close();
        pages.splice(pages.indexOf(page), 1, page); // keep its console errors counted
      });
    }

  await check("many regions: grey lines with the top and bottom coloured, pick= colours a region everywhere", async () => {
    const page = await newPage({ width: 1280, height: 900 });
    await page.goto(`${origin}/?indicator=${ind}&regions=group:provinces&panel=table`);
    await ready(page, { indicator: ind, panel: "table" });
    let lines = await chartDatasets(page);
    const lit = lines.filter((l) => l.highlighted);
    assertEqual(lit.length, 4, "coloured lines");
    const last = series.series.map((s) => [s.region.id, s.observations.find((o) => o.year === lastYear).value])
      .sort((a, b) => b[1] - a[1]).map((x) => x[0]);
    assertEqual(lit.map((l) => l.regionId).sort(), last.slice(0, 2).concat(last.slice(-2)).sort(), "top and bottom two");
    assert(lines.filter((l) => !l.highlighted).every((l) => l.color === lines.find((x) => !x.highlighted).color), "grey lines differ");
    await page.click('#chart-list .legend-toggle:has-text("Tibet")');
    await page.waitForFunction(() => (new URLSearchParams(location.search).get("pick") || "").includes("tibet"));
    await ready(page, { indicator: ind });
    lines = await chartDatasets(page);
    const tibet = lines.find((l) => l.regionId === "tibet");
    assert(tibet.highlighted, "Tibet is not coloured after a click");
    // the same colour on another page's chart of Tibet
    await page.goto(`${origin}/?indicator=gdp_per_capita&regions=tibet,beijing&panel=table`);
    await ready(page, { indicator: "gdp_per_capita" });
    const other = (await chartDatasets(page)).find((l) => l.regionId === "tibet");
    assertEqual(other.color, tibet.color, "Tibet's colour on another chart");
    await page.close();
  });

  await check("the views in panels.js draw when that script arrives late (deferred scripts' order)", async () => {
    const page = await newPage({ width: 1280, height: 900 });
    // panels.js held back 1.5 s: app.js must not start before the deferred scripts have run
    await page.route("**/static/panels.js", async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    await page.goto(`${origin}/?panel=index&lang=en`);
    await ready(page, { panel: "index", lang: "en" });
    const rows = await page.$$('#panel-index table[data-table="index"] tbody tr');
    assertEqual(rows.length, 31, "index rows after a late panels.js");
    await page.unroute("**/static/panels.js");
    await page.close();
  });

  await check("series with missing years are drawn with gaps, not joined", async () => {
    const page = await newPage({ width: 1280, height: 900 });
    await page.goto(`${origin}/?indicator=hospital_beds_per_10000&panel=table`);
    await ready(page, { indicator: "hospital_beds_per_10000" });
    const api = await getJSON(`${origin}/v1/series?indicator=hospital_beds_per_10000&regions=east`);
    const years = api.series[0].observations.map((o) => o.year);
    assert(years.length >= 2 && years[1] - years[0] > 1, `east has years ${years}`);
    const east = (await chartDatasets(page)).find((l) => l.regionId === "east");
    assert(east.spanGaps === false && east.gaps >= 1, `east: spanGaps ${east.spanGaps}, ${east.gaps} gaps`);
    await page.close();
  });
}

async function proxyChecks(origin, requests) {
  await check("behind nginx under /prosperity/ the page loads its data", async () => {
    const page = await newPage({ width: 1280, height: 900 });
    const first = requests.length;
    await page.goto(`${origin}/prosperity/?indicator=income_per_capita&panel=compare`);
    await ready(page, { indicator: "income_per_capita", panel: "compare" });
    await checkChartMatchesApi(page, `${origin}/prosperity`, "indicator=income_per_capita");
    const mine = requests.slice(first);
    const outside = mine.filter((u) => !u.startsWith(`${origin}/prosperity/`));
    assertEqual(outside, [], "requests outside /prosperity/");
    assert(mine.some((u) => u.includes("/prosperity/v1/series?")), "no series request");
    const csv = await page.$eval("#chart-list .data-links a", (a) => a.href);
    assert(csv.startsWith(`${origin}/prosperity/v1/series?`), `CSV link ${csv}`);
    assert((await fetch(csv)).ok, `${csv} does not load`);
    await page.close();
  });

  await check("behind nginx the map, distribution and index views load under /prosperity/", async () => {
    const page = await newPage({ width: 390, height: 844 });
    const first = requests.length;
    await page.goto(`${origin}/prosperity/?indicator=residents_disposable_income&lang=zh`);
    await ready(page, { indicator: "residents_disposable_income", panel: "map", lang: "zh" });
    assertEqual((await page.$$("#panel-map .tile[data-region]")).length, 31, "map tiles");
    await page.click("#tab-distribution");
    await ready(page, { panel: "distribution" });
    assert((await chartDatasets(page, "#panel-distribution")).length >= 2, "no density curves");
    await page.click("#tab-index");
    await ready(page, { panel: "index" });
    assertEqual((await page.$$('#panel-index table[data-table="index"] tbody tr')).length, 31, "index rows");
    const outside = requests.slice(first).filter((u) => !u.startsWith(`${origin}/prosperity/`));
    assertEqual(outside, [], "requests outside /prosperity/");
    await screenshot(page, "proxy-index-zh-390.png");
    await page.close();
  });
}

// ------------------------------------------------------------------- main --------------

async function main() {
  assert(BIN, "usage: node test.mjs PROSPERITY_BIN [DB] [ARTIFACTS_DIR]");
  assert(fs.existsSync(BIN), `no server binary at ${BIN}`);
  assert(fs.existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  const { origin } = await startServer();
  console.log(`# server at ${origin}`);
  const userData = tempDir("prosperity-chromium-");
  context = await chromium.launchPersistentContext(userData, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 }, timeout: 60000
  });
  const requests = [];
  context.on("request", (r) => requests.push(r.url()));
  for (const p of context.pages())
    await p.close();

  await directChecks(origin);
  await viewChecks(origin);

  await check("no console errors", async () => {
    const errors = pages.flatMap((p) => p.consoleErrors);
    assertEqual(errors, [], "console errors");
  });
  await check("every request goes to the test server", async () => {
    const outside = requests.filter((u) => !u.startsWith(origin + "/") && !u.startsWith("data:"));
    assertEqual(outside, [], "requests to other places");
  });

  if (fs.existsSync(NGINX)) {
    let proxy = null;
    await check("nginx starts in front of the server", async () => {
      proxy = await startNginx(origin);
      console.log(`# nginx at ${proxy.origin}`);
    });
    if (proxy)
      await proxyChecks(proxy.origin, requests);
  } else {
    await check("nginx is installed", () => {
      throw new Error(`no nginx at ${NGINX} (apt-get install nginx-light)`);
    });
  }
}

const started = Date.now();
const watchdog = setTimeout(async () => {
  console.log(`not ok - the whole test took over ${TOTAL_SECONDS} s and was stopped`);
  results.push({ name: "time limit", ok: false });
  await finish(1);
}, TOTAL_SECONDS * 1000);

async function finish(code) {
  clearTimeout(watchdog);
  await cleanup();
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`# ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${ARTIFACTS}`);
  console.log(`browser: ${passed} passed, ${failed} failed`);
  process.exit(code || failed || !results.length ? 1 : 0);
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"])
  process.on(sig, () => {
    console.log(`# stopped by ${sig}`);
    finish(1);
  });

main().then(() => finish(0), async (err) => {
  console.log(`not ok - setup\n    ${String(err && err.stack || err).split("\n").slice(0, 8).join("\n    ")}`);
  results.push({ name: "setup", ok: false });
  await finish(1);
});
