/* static/app.js — the browsing page: pick an indicator, see its regions over time, the gaps
 * between them and a ranking; in English or Chinese.
 *
 * How it hangs together:
 * - The whole view is a function of `state`, which lives in the page's query string
 *   (readState/stateQuery). A user action calls navigate(), which pushes a history entry and
 *   calls render(); the back and forward buttons call render() through popstate.
 * - render() fetches what it needs from the API (cached by URL) and redraws only what changed.
 * - Every request is a RELATIVE URL ("v1/series?..."), so the page works at "/" and under any
 *   proxy prefix ("/prosperity/") without configuration.
 * - Charts are Chart.js 3 (window.Chart); without it the tables still show everything. */
"use strict";

(function () {
  const PANELS = ["table", "gaps", "compare"];
  /* Chart order; national data joins the first other chart (one line alone says little). */
  const KIND_ORDER = ["national", "urban_rural", "settlement", "macro_region", "province",
    "international"];
  const KIND_CHART = { macro_region_rural: "macro_region" };
  /* Chart.js point styles and the text marks of the tables, per observation status. */
  const FLAGS = {
    derived: { style: "triangle", mark: "▲" },
    "break": { style: "rectRot", mark: "◆" },
    suspect: { style: "crossRot", mark: "✕" },
    lower_bound: { style: "star", mark: "✱" }
  };
  /* Fixed colours for the regions that recur, so urban is always the same blue. */
  const COLORS = {
    china: "#111827", urban: "#1d4ed8", rural: "#c2410c", east: "#1d4ed8", central: "#b45309",
    west: "#15803d", northeast: "#7e22ce", west_rural: "#4d7c0f", city: "#1d4ed8",
    county_seat: "#0e7490", town: "#15803d", township: "#b45309", village: "#c2410c",
    world: "#374151", usa: "#1d4ed8", korea: "#be123c"
  };
  /* Pairs (reference against its siblings) and groups (dispersion) the gaps panel offers. */
  const PAIR_REFERENCES = [
    { reference: "urban", needs: ["rural"] },
    { reference: "east", needs: ["central", "west", "northeast"] },
    { reference: "city", needs: ["county_seat", "town", "township", "village"] }
  ];
  const DISPERSION_GROUPS = ["four_regions", "provinces", "settlements"];

  const $ = (sel, root) => (root || document).querySelector(sel);
  const enc = encodeURIComponent;

  let state = readState();
  let L = window.I18N[state.lang];
  let seq = 0;            /* render generation: answers of an older render are dropped */
  let view = null;        /* the data of the shown indicator, see loadView() */
  let shownKey = "";      /* what the charts and table show now */
  const panelKeys = {};   /* what each panel shows now */
  const charts = { main: [], gaps: [], compare: [] };
  let groupsList = [];    /* v1/groups, for the names of region sets */

  /* ------------------------------------------------------------ words and numbers ---- */

  /* The text of KEY ("flags.derived") in the page language, with {name} filled from VARS,
   * as pieces: a value of VARS may be a DOM node (a highlighted word) to append. */
  function tNodes(key, vars) {
    const find = (dict) => key.split(".").reduce((o, k) => (o == null ? o : o[k]), dict);
    const template = String(find(L) ?? find(window.I18N.en) ?? key);
    /* split() with a group: even pieces are text, odd ones the names in braces */
    return template.split(/\{(\w+)\}/).map((part, i) =>
      (i % 2 === 0 ? part : vars && vars[part] != null ? vars[part] : "{" + part + "}"))
      .filter((part) => part !== "");
  }

  function t(key, vars) {
    return tNodes(key, vars).join("");
  }

  /* A trend word in colour; the API has no direction (null) for a single year. */
  function directionNode(direction) {
    const d = direction || "none";
    return el("strong", { class: "direction direction-" + d }, t("directions." + d));
  }

  /* A region's name in the page language, from the indicator's coverage (which lists every
   * region that has or could compute a value). */
  function regionName(id) {
    const b = view && view.meta.coverage.by_region.find((x) => x.region.id === id);
    return b ? b.region.name : id;
  }

  function unitText(unit) {
    return unit ? (L.units[unit] || unit) : "";
  }

  function categoryText(c) {
    return L.categories[c] || c;
  }

  const formats = new Map();
  function numberFormat(opts) {
    const key = L.locale + JSON.stringify(opts);
    if (!formats.has(key))
      formats.set(key, new Intl.NumberFormat(L.locale, opts));
    return formats.get(key);
  }

  /* Digits by size, so 123868.0053 reads 123,868 and 0.4231 reads 0.423. FULL (tables) keeps
   * one more digit than charts and sentences. */
  function fmt(v, full) {
    if (v == null || !isFinite(v))
      return "–";
    const a = Math.abs(v);
    return numberFormat({ maximumFractionDigits: digitsFor(a, full) }).format(v);
  }

  function digitsFor(a, full) {
    if (full)
      return a >= 1e5 ? 0 : a >= 1000 ? 1 : a >= 1 ? 3 : 4;
    return a >= 1000 ? 0 : a >= 100 ? 1 : a >= 1 ? 2 : 3;
  }

  function fmtPercent(share) {
    return share == null ? "–" : numberFormat({ style: "percent", maximumFractionDigits: 1 })
      .format(share);
  }

  /* "+1.2", "−3,456": a change, with its sign always shown. */
  function fmtSigned(v) {
    return v == null || !isFinite(v) ? "–" : numberFormat({
      maximumFractionDigits: Math.min(digitsFor(Math.abs(v)), 1), signDisplay: "exceptZero"
    }).format(v);
  }

  /* Years are numbers in the API but must never read "2,024". */
  function fmtYear(y) {
    return y == null ? "–" : String(y);
  }

  function groupName(id) {
    const g = groupsList.find((x) => x.id === id);
    return L.groups[id] || (g && g.name) || id;
  }

  /* ------------------------------------------------------------------- state ---------- */

  function readState() {
    const q = new URLSearchParams(location.search);
    const year = (v) => (/^\d{4}$/.test(v || "") ? Number(v) : null);
    const panel = q.get("panel");
    return {
      indicator: q.get("indicator") || "",
      regions: q.get("regions") || "",
      from: year(q.get("from")),
      to: year(q.get("to")),
      lang: q.get("lang") === "zh" ? "zh" : "en",
      panel: PANELS.includes(panel) ? panel : "table",
      compare: q.get("compare") || "",
      region: q.get("region") || ""
    };
  }

  /* The query string of S, defaults left out so shared links stay short. */
  function stateQuery(s) {
    const q = new URLSearchParams();
    const put = (k, v, dflt) => {
      if (v != null && v !== "" && v !== dflt)
        q.set(k, String(v));
    };
    put("indicator", s.indicator);
    put("regions", s.regions);
    put("from", s.from);
    put("to", s.to);
    put("panel", s.panel, "table");
    put("compare", s.compare);
    put("region", s.region);
    put("lang", s.lang, "en");
    return q.toString();
  }

  /* A user action: a new history entry (so back undoes it), then the view follows. */
  function navigate(patch) {
    const next = Object.assign({}, state, patch);
    const qs = stateQuery(next);
    if (qs !== stateQuery(state))
      history.pushState(null, "", qs ? "?" + qs : location.pathname);
    state = next;
    render();
  }

  window.addEventListener("popstate", () => {
    state = readState();
    render();
  });

  /* ------------------------------------------------------------------- fetching ------- */

  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && problem.detail) || "HTTP " + status);
      this.status = status;
      this.title = problem && problem.title;
      this.param = problem && problem.param;
    }
  }

  /* "v1/series?indicator=..." from a path and the parameters that have a value. */
  function apiUrl(path, params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {}))
      if (v != null && v !== "")
        q.set(k, String(v));
    const qs = q.toString();
    return qs ? path + "?" + qs : path;
  }

  const answers = new Map();
  /* The JSON at URL, fetched once per page; a problem+json answer becomes an ApiError that
   * carries the API's `detail`. */
  function getJSON(url) {
    if (!answers.has(url)) {
      const p = fetch(url, { headers: { Accept: "application/json" } }).then(async (res) => {
        if (res.ok)
          return res.json();
        let problem = null;
        try {
          problem = await res.json();
        } catch (e) {
          /* not problem+json: a proxy's error page; the status says enough */
        }
        throw new ApiError(res.status, problem);
      });
      p.catch(() => answers.delete(url)); /* a failure is retried on the next render */
      answers.set(url, p);
    }
    return answers.get(url);
  }

  function errorText(err) {
    let s = err.message || String(err);
    if (err.title)
      s = err.title + " (" + err.status + "): " + s;
    return s;
  }

  /* An element with the error, readable: what failed and the API's own explanation. */
  function errorNode(err) {
    const p = el("p", { class: "error" });
    p.append(el("strong", {}, t("errorTitle")), " ", errorText(err));
    return p;
  }

  /* ------------------------------------------------------------------- DOM helpers ---- */

  /* A new element; ATTRS are attributes (on* are listeners), the rest children. */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false)
        continue;
      if (k.startsWith("on"))
        e.addEventListener(k.slice(2), v);
      else
        e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat())
      if (c != null)
        e.append(c);
    return e;
  }

  /* Links to the data of a chart as CSV and JSON (same URL, other format). */
  function dataLinks(url, label) {
    const sep = url.includes("?") ? "&" : "?";
    return el("p", { class: "data-links" }, t(label || "dataLinks") + ": ",
      el("a", { href: url + sep + "format=csv", download: "" }, t("csv")), " · ",
      el("a", { href: url + sep + "pretty=1" }, t("json")));
  }

  function regionButton(region, cls) {
    return el("button", {
      type: "button", class: cls || "region-link", "data-region": region.id,
      title: t("regionInfo", { name: region.name }),
      onclick: () => navigate({ region: region.id })
    }, region.name);
  }

  function flagMark(status, note) {
    if (!status || !FLAGS[status])
      return null;
    const label = t("flags." + status) + (note ? " — " + note : "");
    return el("span", { class: "flag", title: label, "aria-label": label, role: "img" },
      FLAGS[status].mark);
  }

  /* ------------------------------------------------------------------- colours -------- */

  /* Fixed colours first; the rest (provinces) spread around the hue circle by the golden
   * angle so that neighbours differ, dark enough to read on white. */
  function colorOf(id, index) {
    return COLORS[id] || "hsl(" + Math.round((index * 137.508) % 360) + ", 70%, 36%)";
  }

  /* ------------------------------------------------------------------- language ------- */

  function applyLanguage() {
    L = window.I18N[state.lang];
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.title = t("title");
    for (const e of document.querySelectorAll("[data-i18n]"))
      e.textContent = t(e.dataset.i18n);
    for (const e of document.querySelectorAll("[data-i18n-label]"))
      e.setAttribute("aria-label", t(e.dataset.i18nLabel));
    for (const b of document.querySelectorAll("button.lang"))
      b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
    $("#search").placeholder = t("searchPlaceholder");
  }

  /* ------------------------------------------------------------------- controls ------- */

  let indicatorList = [];

  /* Fills the indicator list, grouped by category, keeping only matches of the search text;
   * the chosen indicator always stays in the list so the select never silently changes. */
  function fillIndicatorSelect(chosen) {
    const select = $("#indicator");
    const words = $("#search").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const matches = (i) => words.every((w) =>
      [i.id, i.name, i.name_en, i.name_zh, i.category, categoryText(i.category)]
        .some((s) => s && s.toLowerCase().includes(w)));
    const groups = new Map();
    let count = 0;
    for (const i of indicatorList) {
      const hit = matches(i);
      if (!hit && i.id !== chosen)
        continue;
      count += hit ? 1 : 0;
      if (!groups.has(i.category))
        groups.set(i.category, []);
      groups.get(i.category).push(i);
    }
    select.replaceChildren();
    for (const [cat, list] of groups) {
      const og = el("optgroup", { label: categoryText(cat) });
      for (const i of list)
        og.append(el("option", { value: i.id }, i.name + (i.unit ? " (" + unitText(i.unit) + ")" : "")));
      select.append(og);
    }
    select.value = chosen;
    $("#search-count").textContent = words.length ? t("matches", { n: count }) : "";
    return count;
  }

  /* The first indicator matching the search, other than the chosen one. */
  function firstMatch() {
    for (const o of $("#indicator").options)
      if (o.value !== state.indicator)
        return o.value;
    return null;
  }

  /* Region sets the indicator has data for: its own regions, each group it fully covers,
   * and everything including regions computed from their parts. */
  function fillRegionsSelect(meta) {
    const covered = new Set(meta.coverage.by_region.map((b) => b.region.id));
    const select = $("#regions");
    select.replaceChildren(el("option", { value: "" }, t("regionsOwn")));
    for (const g of groupsList)
      if (g.regions.length > 1 && g.regions.every((r) => covered.has(r)))
        select.append(el("option", { value: "group:" + g.id }, groupName(g.id)));
    if (meta.coverage.by_region.some((b) => b.computed))
      select.append(el("option", { value: "all" }, t("regionsAll")));
    if (state.regions && ![...select.options].some((o) => o.value === state.regions))
      select.append(el("option", { value: state.regions }, state.regions));
    select.value = state.regions;
  }

  function fillYears(meta) {
    for (const [id, v, hint] of [["#from", state.from, meta.coverage.first_year],
      ["#to", state.to, meta.coverage.last_year]]) {
      const input = $(id);
      if (document.activeElement !== input)
        input.value = v == null ? "" : String(v);
      input.placeholder = hint == null ? "" : String(hint);
    }
  }

  function wireControls() {
    $("#indicator").addEventListener("change", (e) =>
      navigate({ indicator: e.target.value, regions: "", compare: "" }));
    $("#regions").addEventListener("change", (e) =>
      navigate({ regions: e.target.value, compare: "" }));
    $("#search").addEventListener("input", () => fillIndicatorSelect(state.indicator));
    $("#search").addEventListener("keydown", (e) => {
      if (e.key !== "Enter")
        return;
      e.preventDefault();
      const id = firstMatch();
      if (id)
        navigate({ indicator: id, regions: "", compare: "" });
    });
    for (const id of ["from", "to"])
      $("#" + id).addEventListener("change", (e) => {
        const v = e.target.value.trim();
        navigate({ [id]: /^\d{4}$/.test(v) ? Number(v) : null });
      });
    $("#reset-years").addEventListener("click", () => navigate({ from: null, to: null }));
    for (const b of document.querySelectorAll("button.lang"))
      b.addEventListener("click", () => navigate({ lang: b.dataset.lang }));
    wireTabs();
    const card = $("#card");
    $("#card-close").addEventListener("click", () => card.close());
    /* Esc and the close button both end here; the URL forgets the region. */
    card.addEventListener("close", () => {
      if (state.region)
        navigate({ region: "" });
    });
  }

  /* Tabs per the ARIA pattern: arrows, Home and End move between them. */
  function wireTabs() {
    const tabs = [...document.querySelectorAll('[role="tab"]')];
    tabs.forEach((tab, i) => {
      tab.addEventListener("click", () => navigate({ panel: tab.dataset.panel }));
      tab.addEventListener("keydown", (e) => {
        const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
        if (to == null)
          return;
        e.preventDefault();
        const next = tabs[(to + tabs.length) % tabs.length];
        next.focus();
        navigate({ panel: next.dataset.panel });
      });
    });
  }

  function showPanel() {
    for (const tab of document.querySelectorAll('[role="tab"]')) {
      const on = tab.dataset.panel === state.panel;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      $("#panel-" + tab.dataset.panel).hidden = !on;
    }
  }

  /* ------------------------------------------------------------------- data ----------- */

  function seriesUrl(meta) {
    let regions = state.regions;
    if (regions === "all")
      regions = meta.coverage.by_region.map((b) => b.region.id).join(",");
    return apiUrl("v1/series", {
      indicator: meta.id, regions: regions, from: state.from, to: state.to, lang: state.lang
    });
  }

  /* Series grouped into charts by region kind, in KIND_ORDER. */
  function chartGroups(series) {
    const byKind = new Map();
    for (const s of series) {
      const kind = KIND_CHART[s.region.kind] || s.region.kind;
      if (!byKind.has(kind))
        byKind.set(kind, []);
      byKind.get(kind).push(s);
    }
    const rank = (k) => (KIND_ORDER.includes(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.length);
    const groups = [...byKind].sort((a, b) => rank(a[0]) - rank(b[0]))
      .map(([kind, list]) => ({ kind: kind, series: list }));
    if (groups.length > 1 && groups[0].kind === "national") {
      const national = groups.shift();
      groups[0].series = national.series.concat(groups[0].series);
    }
    let index = 0;
    for (const g of groups)
      for (const s of g.series)
        s.color = colorOf(s.region.id, index++);
    return groups;
  }

  /* The years in which every series of LIST has a value, ascending. */
  function commonYears(list) {
    if (!list.length)
      return [];
    let years = list[0].observations.map((o) => o.year);
    for (const s of list.slice(1)) {
      const has = new Set(s.observations.map((o) => o.year));
      years = years.filter((y) => has.has(y));
    }
    return years.sort((a, b) => a - b);
  }

  async function loadView(my) {
    const [list, groups] = await Promise.all([
      getJSON(apiUrl("v1/indicators", { lang: state.lang })), getJSON("v1/groups")]);
    if (my !== seq)
      return null;
    indicatorList = list.indicators;
    groupsList = groups.groups;
    const fallback = indicatorList.find((i) => i.id === "income_per_capita") || indicatorList[0];
    const id = state.indicator || (fallback ? fallback.id : "");
    fillIndicatorSelect(id);
    const meta = await getJSON(apiUrl("v1/indicators/" + enc(id), { lang: state.lang }));
    if (my !== seq)
      return null;
    fillRegionsSelect(meta);
    fillYears(meta);
    const url = seriesUrl(meta);
    const data = await getJSON(url);
    return { id: id, meta: meta, url: url, data: data, groups: chartGroups(data.series) };
  }

  /* ------------------------------------------------------------------- overview ------- */

  function renderOverview(meta) {
    const c = meta.coverage;
    const fact = (k, v) => el("div", {}, el("dt", {}, k), el("dd", {}, v));
    const dl = el("dl", { class: "facts" }, fact(t("unit"), unitText(meta.unit)),
      fact(t("category"), categoryText(meta.category)));
    if (c.first_year != null)
      dl.append(fact(t("year"), t("coverage", { first: c.first_year, last: c.last_year, regions: c.regions })));
    const parts = [el("h2", { id: "indicator-title" }, meta.name), dl];
    /* The API has descriptions in English only: say so to screen readers. */
    if (meta.description)
      parts.push(el("p", { class: "description", lang: "en" }, meta.description));
    parts.push(dataLinks(view.url, "dataLinksAll"));
    $("#overview").replaceChildren(...parts);
  }

  /* ------------------------------------------------------------------- charts --------- */

  function destroyCharts(which) {
    for (const c of charts[which])
      c.destroy();
    charts[which] = [];
  }

  /* Options shared by the line charts: years on a linear axis, hover shows every line at
   * that year, the legend is ours (HTML, keyboard friendly). */
  function lineOptions(unit, yFormat) {
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "year", intersect: false },
      plugins: {
        legend: { display: false },
        tooltip: {
          itemSort: (a, b) => b.parsed.y - a.parsed.y,
          callbacks: {
            title: (items) => (items.length ? fmtYear(items[0].parsed.x) : ""),
            label: (item) => {
              const raw = item.raw || {};
              const flag = raw.status ? " [" + t("flags." + raw.status) + "]" : "";
              return item.dataset.label + ": " + yFormat(item.parsed.y) +
                (unit ? " " + unit : "") + flag;
            }
          }
        }
      },
      scales: {
        x: { type: "linear", ticks: { precision: 0, maxRotation: 0, callback: (v) => fmtYear(v) } },
        y: { title: { display: !!unit, text: unit }, ticks: { callback: (v) => yFormat(v) } }
      }
    };
  }

  /* A dataset per region; flagged points get their own shape and a larger size. A segment
   * that ends in a series break is dashed: the two sides are not quite comparable. */
  function regionDataset(s, busy) {
    const data = s.observations.filter((o) => o.value != null)
      .map((o) => ({ x: o.year, y: o.value, status: o.status, source: o.source }));
    return {
      label: s.region.name + (s.computed ? " *" : ""),
      regionId: s.region.id,
      data: data,
      borderColor: s.color,
      backgroundColor: s.color,
      borderWidth: 2,
      pointStyle: (ctx) => (ctx.raw && FLAGS[ctx.raw.status] ? FLAGS[ctx.raw.status].style : "circle"),
      pointRadius: (ctx) => (ctx.raw && ctx.raw.status ? (busy ? 3 : 6) : busy || data.length > 25 ? 1.5 : 3),
      segment: {
        borderDash: (ctx) => (data[ctx.p1DataIndex] && data[ctx.p1DataIndex].status === "break"
          ? [5, 4] : undefined)
      }
    };
  }

  /* A benchmark as a flat dashed line across the years of the chart: no plugin needed. */
  function benchmarkDataset(b, minYear, maxYear) {
    const lo = minYear === maxYear ? minYear - 1 : minYear;
    const hi = minYear === maxYear ? maxYear + 1 : maxYear;
    return {
      label: t("benchmark") + ": " + b.label + " (" + fmt(b.value) + ")",
      benchmark: true,
      data: [{ x: lo, y: b.value }, { x: hi, y: b.value }],
      borderColor: "#4b5563",
      backgroundColor: "#4b5563",
      borderDash: [8, 5],
      borderWidth: 1.5,
      pointRadius: 0,
      pointHoverRadius: 0
    };
  }

  /* An HTML legend: a toggle per line, and for regions a button that opens their card. */
  function legend(chart, datasets) {
    const list = el("ul", { class: "legend", "aria-label": t("legend") });
    datasets.forEach((ds, i) => {
      const toggle = el("button", {
        type: "button", class: "legend-toggle", "aria-pressed": "true",
        onclick: () => {
          const visible = !chart.isDatasetVisible(i);
          chart.setDatasetVisibility(i, visible);
          chart.update();
          toggle.setAttribute("aria-pressed", String(visible));
        }
      }, el("span", {
        class: ds.benchmark ? "swatch swatch-dashed" : "swatch",
        style: "--c:" + ds.borderColor, "aria-hidden": "true"
      }), ds.label);
      const item = el("li", {}, toggle);
      if (ds.regionId) {
        const series = view.data.series.find((s) => s.region.id === ds.regionId);
        item.append(el("button", {
          type: "button", class: "legend-info", "data-region": ds.regionId,
          "aria-label": t("regionInfo", { name: series.region.name }),
          title: t("regionInfo", { name: series.region.name }),
          onclick: () => navigate({ region: ds.regionId })
        }, "i"));
      }
      list.append(item);
    });
    return list;
  }

  function chartTitle(group) {
    return L.kinds[group.kind] || group.kind;
  }

  function renderCharts() {
    destroyCharts("main");
    const box = $("#chart-list");
    box.replaceChildren();
    const hasChart = typeof window.Chart === "function";
    const note = $("#chart-note");
    note.hidden = hasChart;
    note.textContent = hasChart ? "" : t("noChartJs");
    const meta = view.meta;
    const unit = unitText(meta.unit);
    for (const group of view.groups) {
      const regions = group.series.map((s) => s.region.name).join(", ");
      const url = apiUrl("v1/series", {
        indicator: meta.id, regions: group.series.map((s) => s.region.id).join(","),
        from: state.from, to: state.to, lang: state.lang
      });
      const fig = el("figure", { class: "chart-card", "data-kind": group.kind },
        el("figcaption", {}, el("h3", {}, chartTitle(group))));
      box.append(fig);
      if (hasChart) {
        const busy = group.series.length > 8;
        const datasets = group.series.map((s) => regionDataset(s, busy));
        const years = datasets.flatMap((d) => d.data.map((p) => p.x));
        if (years.length)
          for (const b of meta.benchmarks || [])
            datasets.push(benchmarkDataset(b, Math.min(...years), Math.max(...years)));
        const canvas = el("canvas", {
          role: "img", "aria-label": t("chartOf", { name: meta.name, regions: regions })
        });
        fig.append(el("div", { class: "chart-box" + (group.series.length > 12 ? " tall" : "") },
          canvas));
        const options = lineOptions(unit, (v) => fmt(v));
        if (years.length && Math.min(...years) === Math.max(...years)) {
          options.scales.x.min = years[0] - 1;
          options.scales.x.max = years[0] + 1;
        }
        const chart = new window.Chart(canvas, {
          type: "line", data: { datasets: datasets }, options: options
        });
        charts.main.push(chart);
        fig.append(legend(chart, datasets));
      }
      fig.append(dataLinks(url));
    }
    if (!view.groups.length)
      box.append(el("p", { class: "note" }, t("noData")));
    renderFlagsKey();
  }

  /* The meaning of the point shapes that occur in the data shown. */
  function renderFlagsKey() {
    const seen = new Set();
    for (const s of view.data.series)
      for (const o of s.observations)
        if (o.status)
          seen.add(o.status);
    const key = $("#flags-key");
    key.replaceChildren();
    const computed = view.data.series.some((s) => s.computed);
    if (!seen.size && !computed)
      return;
    key.append(t("flagsKey"));
    for (const st of Object.keys(FLAGS))
      if (seen.has(st))
        key.append(" ", el("span", { class: "key-item" }, el("span", { class: "flag" },
          FLAGS[st].mark), " " + t("flags." + st)));
    if (computed)
      key.append(" ", el("span", { class: "key-item" }, "* " + t("computed")));
  }

  /* ------------------------------------------------------------------- table ---------- */

  /* One table per chart: years down, regions across; each value with its flag and a
   * footnote number for its source; the citations follow the tables. */
  function renderTable() {
    const panel = $("#panel-table");
    const sources = new Map();
    const cite = (id) => {
      if (!sources.has(id))
        sources.set(id, sources.size + 1);
      return sources.get(id);
    };
    const parts = [];
    for (const group of view.groups) {
      const years = [...new Set(group.series.flatMap((s) => s.observations.map((o) => o.year)))]
        .sort((a, b) => a - b);
      const head = el("tr", {}, el("th", { scope: "col" }, t("year")),
        group.series.map((s) => el("th", { scope: "col", "data-region": s.region.id },
          regionButton(s.region), s.computed ? " *" : "")));
      const body = el("tbody");
      for (const y of years) {
        const row = el("tr", {}, el("th", { scope: "row" }, fmtYear(y)));
        for (const s of group.series) {
          const o = s.observations.find((x) => x.year === y);
          row.append(o ? el("td", {
            "data-region": s.region.id, "data-year": y, "data-value": o.value == null ? "" : String(o.value),
            "data-status": o.status || null
          }, fmt(o.value, true), flagMark(o.status, o.note),
            o.source ? el("sup", { class: "cite", title: o.source }, String(cite(o.source))) : null)
            : el("td", { "data-region": s.region.id, "data-year": y, "data-value": "" }, ""));
        }
        body.append(row);
      }
      const caption = t("tableCaption", {
        group: chartTitle(group), name: view.meta.name, unit: unitText(view.meta.unit)
      });
      const headingId = "table-title-" + group.kind;
      parts.push(el("h3", { id: headingId, class: "table-title" }, caption),
        el("div", { class: "table-wrap tall" }, el("table", {
          class: "data", "data-kind": group.kind, "aria-labelledby": headingId
        }, el("thead", {}, head), body)));
    }
    if (!parts.length)
      parts.push(el("p", { class: "note" }, t("noData")));
    if (sources.size) {
      const citations = new Map((view.meta.sources || []).map((s) => [s.id, s.citation]));
      const ol = el("ol", { class: "sources" });
      for (const [id] of sources)
        ol.append(el("li", { id: "source-" + id }, citations.get(id) || id, " ",
          el("span", { class: "source-id" }, "[" + id + "]")));
      parts.push(el("h3", {}, t("sources")), ol);
    }
    panel.replaceChildren(...parts);
  }

  /* ------------------------------------------------------------------- gaps ----------- */

  function coveredRegions() {
    return new Set(view.meta.coverage.by_region.map((b) => b.region.id));
  }

  async function renderGaps(my) {
    const panel = $("#panel-gaps");
    destroyCharts("gaps");
    const covered = coveredRegions();
    const pairs = PAIR_REFERENCES.filter((p) => covered.has(p.reference) &&
      p.needs.some((r) => covered.has(r)));
    const groups = DISPERSION_GROUPS.filter((g) => {
      const members = (groupsList.find((x) => x.id === g) || { regions: [] }).regions;
      return members.filter((r) => covered.has(r)).length >= 2;
    });
    if (!pairs.length && !groups.length) {
      panel.replaceChildren(el("p", { class: "note" }, t("noGaps")));
      return;
    }
    const range = { from: state.from, to: state.to, lang: state.lang };
    const jobs = pairs.map((p) => {
      const url = apiUrl("v1/gaps/pairs", Object.assign({ indicator: view.id, reference: p.reference }, range));
      return getJSON(url).then((d) => pairsSection(d, url), (e) => errorSection(e));
    }).concat(groups.map((g) => {
      const url = apiUrl("v1/gaps/dispersion", Object.assign({
        indicator: view.id, regions: "group:" + g, measures: "cv,gini"
      }, range));
      return getJSON(url).then((d) => dispersionSection(d, url, g), (e) => errorSection(e));
    }));
    const sections = await Promise.all(jobs);
    if (my !== seq)
      return;
    panel.replaceChildren(...sections.map((s) => s.node));
    for (const s of sections)
      if (s.draw)
        charts.gaps.push(s.draw());
  }

  function errorSection(err) {
    return { node: el("section", { class: "gap-card" }, errorNode(err)) };
  }

  /* A small line chart: one dataset per entry of LINES {label, color, points[{x,y}]}. The
   * canvas is drawn after the section is in the page (Chart.js measures its box). */
  function smallChart(lines, unit, label, yFormat) {
    if (typeof window.Chart !== "function")
      return { box: null, draw: null };
    const canvas = el("canvas", { role: "img", "aria-label": label });
    const box = el("div", { class: "chart-box small" }, canvas);
    const draw = () => new window.Chart(canvas, {
      type: "line",
      data: {
        datasets: lines.map((l) => ({
          label: l.label, regionId: l.regionId, measure: l.measure, data: l.points,
          borderColor: l.color, backgroundColor: l.color, borderWidth: 2, pointRadius: 2
        }))
      },
      options: Object.assign(lineOptions(unit, yFormat), { plugins: {
        legend: { display: true, position: "bottom", labels: { boxWidth: 14 } },
        tooltip: lineOptions(unit, yFormat).plugins.tooltip
      } })
    });
    return { box: box, draw: draw };
  }

  function pairsSection(d, url) {
    const ref = d.reference.name;
    const sentences = el("ul", { class: "sentences" });
    const lines = [];
    const table = el("table", { class: "data compact" });
    const head = el("tr", {}, el("th", { scope: "col" }, t("year")));
    const years = new Map();
    d.pairs.forEach((p, i) => {
      const sm = p.summary;
      const color = colorOf(p.region.id, i + 1);
      if (sm)
        sentences.append(el("li", { "data-region": p.region.id, "data-direction": sm.direction || "none" },
          tNodes("pairSentence", {
            ref: ref, region: p.region.name, r0: fmt(sm.ratio.first), y0: sm.first_year,
            r1: fmt(sm.ratio.last), y1: sm.last_year, pp: fmtSigned(sm.relative_gap.change_pp),
            direction: directionNode(sm.direction)
          })));
      lines.push({
        label: ref + " ÷ " + p.region.name, regionId: p.region.id, color: color,
        points: p.years.map((y) => ({ x: y.year, y: y.ratio }))
      });
      head.append(el("th", { scope: "col" }, p.region.name + " — " + t("ratio")),
        el("th", { scope: "col" }, p.region.name + " — " + t("relativeGap")));
      for (const y of p.years) {
        if (!years.has(y.year))
          years.set(y.year, {});
        years.get(y.year)[p.region.id] = y;
      }
    });
    const body = el("tbody");
    for (const y of [...years.keys()].sort((a, b) => a - b)) {
      const row = el("tr", {}, el("th", { scope: "row" }, fmtYear(y)));
      for (const p of d.pairs) {
        const v = years.get(y)[p.region.id];
        row.append(el("td", {}, v ? fmt(v.ratio, true) : ""), el("td", {}, v ? fmtPercent(v.relative_gap) : ""));
      }
      body.append(row);
    }
    table.append(el("thead", {}, head), body);
    const chart = smallChart(lines, t("ratio"), t("pairsTitle", { ref: ref }), (v) => fmt(v));
    const node = el("section", { class: "gap-card", "data-reference": d.reference.id },
      el("h3", {}, t("pairsTitle", { ref: ref })),
      el("p", { class: "hint" }, t("pairsIntro", { ref: ref })),
      sentences, chart.box,
      el("details", {}, el("summary", {}, t("yearsTable")), el("div", { class: "table-wrap" }, table)),
      dataLinks(url));
    return { node: node, draw: chart.draw };
  }

  function dispersionSection(d, url, group) {
    const first = d.years[0];
    const last = d.years[d.years.length - 1];
    const sc = d.sigma_convergence;
    const direction = sc ? sc.direction : null;
    const lines = [
      { label: t("cv"), measure: "cv", color: "#1d4ed8", points: d.years.map((y) => ({ x: y.year, y: y.cv })) },
      { label: t("gini"), measure: "gini", color: "#c2410c", points: d.years.map((y) => ({ x: y.year, y: y.gini })) }
    ];
    const title = t("dispersionTitle", { group: groupName(group) });
    const chart = smallChart(lines, "", title, (v) => fmt(v));
    const sentence = first
      ? el("p", { class: "sentence", "data-direction": direction || "none" }, tNodes("dispersionSentence", {
        n: first.n, c0: fmt(first.cv), y0: first.year, c1: fmt(last.cv), y1: last.year,
        g0: fmt(first.gini), g1: fmt(last.gini), direction: directionNode(direction)
      }))
      : el("p", { class: "note" }, t("noData"));
    const leftOut = d.left_out && d.left_out.regions.length
      ? el("p", { class: "hint" }, t("leftOut", {
        list: d.left_out.regions.map((r) => regionName(r.region) + " (" + r.reason + ")").join(", ")
      })) : null;
    const node = el("section", { class: "gap-card", "data-group": group },
      el("h3", {}, title), sentence, leftOut, chart.box, dataLinks(url));
    return { node: node, draw: chart.draw };
  }

  /* ------------------------------------------------------------------- compare -------- */

  /* Chart groups with at least two regions can be ranked. */
  function compareChoices() {
    return view.groups.map((g) => {
      const peers = g.series.filter((s) => s.region.kind !== "national");
      return { kind: g.kind, series: peers.length ? peers : g.series };
    }).filter((g) => g.series.length >= 2);
  }

  async function renderCompare(my) {
    const panel = $("#panel-compare");
    destroyCharts("compare");
    const choices = compareChoices();
    if (!choices.length) {
      panel.replaceChildren(el("p", { class: "note" }, t("compareNoCommon")));
      return;
    }
    const group = choices.find((g) => g.kind === state.compare) || choices[0];
    const select = el("select", {
      id: "compare-group", onchange: (e) => navigate({ compare: e.target.value })
    }, choices.map((g) => el("option", { value: g.kind }, chartTitle(g))));
    select.value = group.kind;
    const picker = el("div", { class: "field" },
      el("label", { for: "compare-group" }, t("compareGroup")), select);
    const years = commonYears(group.series);
    if (!years.length) {
      panel.replaceChildren(picker, el("p", { class: "note" }, t("compareNoCommon")));
      return;
    }
    const since = years[0] < years[years.length - 1] ? years[0] : null;
    const url = apiUrl("v1/compare", {
      indicators: view.id, regions: group.series.map((s) => s.region.id).join(","),
      year: state.to ? years[years.length - 1] : "latest", since: since, lang: state.lang
    });
    let d;
    try {
      d = await getJSON(url);
    } catch (err) {
      if (my === seq)
        panel.replaceChildren(picker, errorNode(err));
      return;
    }
    if (my !== seq)
      return;
    const rows = d.rows.slice().sort((a, b) => (a.rank || 1e9) - (b.rank || 1e9));
    const year = rows.length ? rows[0].year : years[years.length - 1];
    const title = t("compareTitle", { group: chartTitle(group), year: year });
    const unit = unitText(view.meta.unit);
    const parts = [picker, el("h3", {}, title)];
    let draw = null;
    if (typeof window.Chart === "function") {
      const canvas = el("canvas", { role: "img", "aria-label": t("barOf", { name: view.meta.name, year: year }) });
      parts.push(el("div", { class: "chart-box bars", style: "height:" + (rows.length * 26 + 60) + "px" }, canvas));
      const colors = rows.map((r) => (group.series.find((s) => s.region.id === r.region.id) || {}).color);
      draw = () => new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: rows.map((r) => r.region.name),
          datasets: [{ label: view.meta.name, regionIds: rows.map((r) => r.region.id),
            data: rows.map((r) => r.value), backgroundColor: colors }]
        },
        options: {
          animation: false, indexAxis: "y", responsive: true, maintainAspectRatio: false,
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { label: (item) => fmt(item.parsed.x) + (unit ? " " + unit : "") } }
          },
          scales: { x: { title: { display: !!unit, text: unit }, ticks: { callback: (v) => fmt(v) } } }
        }
      });
    }
    parts.push(compareTable(rows, since), dataLinks(url));
    panel.replaceChildren(...parts);
    if (draw)
      charts.compare.push(draw());
  }

  function compareTable(rows, since) {
    const head = el("tr", {}, el("th", { scope: "col" }, t("rank")), el("th", { scope: "col" }, t("region")),
      el("th", { scope: "col" }, t("value")));
    if (since != null)
      head.append(el("th", { scope: "col" }, t("changeSince", { year: since })),
        el("th", { scope: "col" }, t("percent")), el("th", { scope: "col" }, t("cagr")));
    const body = el("tbody");
    for (const r of rows) {
      const row = el("tr", { "data-region": r.region.id },
        el("td", {}, r.rank == null ? "–" : String(r.rank)),
        el("th", { scope: "row" }, regionButton(r.region)),
        el("td", { "data-value": String(r.value) }, fmt(r.value, true), flagMark(r.status)));
      if (since != null) {
        const c = r.change || {};
        row.append(el("td", {}, c.absolute == null ? "–" : fmtSigned(c.absolute) + " " + unitText(c.absolute_unit)),
          el("td", {}, c.percent == null ? "–" : fmtSigned(c.percent) + " %"),
          el("td", {}, c.cagr == null ? "–" : fmtPercent(c.cagr)));
      }
      body.append(row);
    }
    return el("div", { class: "table-wrap" }, el("table", { class: "data compare" }, el("thead", {}, head), body));
  }

  /* ------------------------------------------------------------------- region card ---- */

  async function renderCard(my) {
    const dialog = $("#card");
    if (!state.region) {
      if (dialog.open)
        dialog.close();
      return;
    }
    $("#card-title").textContent = t("card") + ": " + state.region;
    $("#card-body").replaceChildren(el("p", {}, t("loading")));
    if (!dialog.open)
      dialog.showModal();
    let p;
    try {
      p = await getJSON(apiUrl("v1/regions/" + enc(state.region) + "/profile", { lang: state.lang }));
    } catch (err) {
      if (my === seq)
        $("#card-body").replaceChildren(errorNode(err));
      return;
    }
    if (my !== seq)
      return;
    const r = p.region;
    $("#card-title").textContent = r.name;
    const parent = r.parent ? r.parent.name : (L.kinds.national);
    const body = el("tbody");
    for (const row of p.indicators) {
      const vp = row.vs_parent;
      const versus = !vp ? "–" : vp.share != null ? t("shareOf", { share: fmtPercent(vp.share) })
        : t("ratioTo", { ratio: fmt(vp.ratio) });
      const cell = (label, ...content) => el("td", { "data-label": label }, content);
      body.append(el("tr", { "data-indicator": row.indicator.id },
        el("th", { scope: "row" }, el("button", {
          type: "button", class: "region-link",
          onclick: () => navigate({ indicator: row.indicator.id, regions: "", compare: "", region: "" })
        }, row.indicator.name)),
        cell(t("year"), fmtYear(row.year)),
        cell(t("value"), fmt(row.value, true) + " " + unitText(row.indicator.unit), flagMark(row.status)),
        cell(t("rank"), row.rank == null ? "–" : t("rankOf", { rank: row.rank, of: row.rank_of })),
        cell(t("vsParent", { parent: parent }), versus)));
    }
    const head = el("tr", {}, [t("indicator"), t("year"), t("value"), t("rank"),
      t("vsParent", { parent: parent })].map((h) => el("th", { scope: "col" }, h)));
    $("#card-body").replaceChildren(
      el("p", { class: "card-meta" }, (L.kinds[r.kind] || r.kind) +
        (r.parent ? " · " + t("parent") + " " : "")),
      el("p", { class: "hint" }, t("cardIntro", { parent: parent })),
      el("div", { class: "table-wrap" }, el("table", { class: "data card-table" }, el("thead", {}, head), body)),
      dataLinks(apiUrl("v1/regions/" + enc(r.id) + "/profile", { lang: state.lang })));
    if (r.parent)
      $(".card-meta", $("#card-body")).append(regionButton(r.parent));
  }

  /* ------------------------------------------------------------------- render --------- */

  function viewKey() {
    return [state.indicator, state.regions, state.from, state.to, state.lang].join("|");
  }

  function setStatus(status) {
    const main = $("#main");
    main.dataset.status = status;
    main.dataset.indicator = view ? view.id : "";
    main.dataset.lang = state.lang;
    main.dataset.panel = state.panel;
    main.dataset.region = state.region;
  }

  /* Brings the page in line with `state`; cheap when only the panel or the card changed. */
  async function render() {
    const my = ++seq;
    setStatus("loading");
    applyLanguage();
    showPanel();
    const key = viewKey();
    try {
      if (key !== shownKey) {
        $("#status").textContent = t("loading");
        const next = await loadView(my);
        if (!next || my !== seq)
          return;
        view = next;
        $("#error").replaceChildren();
        renderOverview(view.meta);
        renderCharts();
        renderTable();
        shownKey = key;
        panelKeys.gaps = panelKeys.compare = "";
        $("#status").textContent = t("ready", { name: view.meta.name });
      }
      const panelKey = key + "|" + state.compare;
      if (state.panel !== "table" && panelKeys[state.panel] !== panelKey) {
        await (state.panel === "gaps" ? renderGaps(my) : renderCompare(my));
        if (my !== seq)
          return;
        panelKeys[state.panel] = panelKey;
      }
      await renderCard(my);
      if (my === seq)
        setStatus("ready");
    } catch (err) {
      if (my !== seq)
        return;
      shownKey = "";
      view = null;
      destroyCharts("main");
      $("#chart-list").replaceChildren();
      $("#overview").replaceChildren();
      $("#panel-table").replaceChildren();
      $("#status").textContent = "";
      $("#error").replaceChildren(errorNode(err));
      setStatus("error");
    }
  }

  /* Hover mode "year": the year nearest the pointer, with the value of every visible line in
   * that year. Chart.js's "index" mode would pair up different years when regions cover
   * different years, and its "x" mode needs the pointer right above a point. */
  function yearMode(chart, e, options, useFinalPosition) {
    const nearest = window.Chart.Interaction.modes.nearest(chart, e,
      { axis: "x", intersect: false }, useFinalPosition);
    if (!nearest.length)
      return [];
    const x = nearest[0].element.x;
    const items = [];
    chart.data.datasets.forEach((ds, datasetIndex) => {
      if (!chart.isDatasetVisible(datasetIndex))
        return;
      chart.getDatasetMeta(datasetIndex).data.forEach((element, index) => {
        if (Math.abs(element.x - x) < 0.5)
          items.push({ element: element, datasetIndex: datasetIndex, index: index });
      });
    });
    return items;
  }

  function start() {
    if (typeof window.Chart === "function") {
      window.Chart.Interaction.modes.year = yearMode;
      window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
      window.Chart.defaults.color = "#374151";
    }
    wireControls();
    render();
  }

  if (document.readyState === "loading")
    document.addEventListener("DOMContentLoaded", start);
  else
    start();
})();
