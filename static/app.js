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
  /* The views, in the order of their tabs. With no panel= in the URL an indicator with
   * provincial data opens on the map, any other on the table (defaultPanel). */
  const PANELS = ["map", "table", "gaps", "distribution", "index", "compare"];
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
  /* Ratios of a pair that an indicator publishes with a benchmark: the ratio chart of the
   * pair draws that benchmark and the year the current trend reaches it (target=). */
  const RATIO_BENCHMARKS = {
    income_per_capita: { reference: "urban", indicator: "urban_rural_income_ratio" }
  };

  const $ = (sel, root) => (root || document).querySelector(sel);
  const enc = encodeURIComponent;

  let state = readState();
  let L = window.I18N[state.lang];
  let seq = 0;            /* render generation: answers of an older render are dropped */
  let view = null;        /* the data of the shown indicator, see loadView() */
  let shownKey = "";      /* what the charts and table show now */
  let shownPick = "";     /* the regions coloured on the charts now */
  const panelKeys = {};   /* what each panel shows now */
  const charts = { main: [], gaps: [], compare: [], map: [], distribution: [], index: [] };
  let groupsList = [];    /* v1/groups, for the names of region sets */
  let regionsList = [];   /* v1/regions: names, codes and neighbours of every region */

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

  /* The data's notes and benchmark labels are in English only; the page translates the ones
   * it knows (i18n.js notes, benchmarks) and leaves the rest out of the Chinese page. */
  function noteText(note) {
    if (!note)
      return "";
    return state.lang === "en" ? note : (L.notes && L.notes[note]) || "";
  }

  function benchmarkLabel(b) {
    return state.lang === "en" ? b.label : (L.benchmarks && L.benchmarks[b.label]) || t("benchmark");
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

  /* The data's name of a group (lang= picks the language), the page's own as a fallback. */
  function groupName(id) {
    const g = groupsList.find((x) => x.id === id);
    return (g && g.name) || L.groups[id] || id;
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
      panel: PANELS.includes(panel) ? panel : "",
      compare: q.get("compare") || "",
      region: q.get("region") || "",
      year: year(q.get("year")),                  /* the map's and the index's year */
      relative: q.get("relative") === "mean" ? "mean" : "",
      index: q.get("index") || "",                /* the composite index's indicators */
      pick: q.get("pick") || ""                   /* regions coloured among grey lines */
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
    put("panel", s.panel);
    put("compare", s.compare);
    put("year", s.year);
    put("relative", s.relative);
    put("index", s.index);
    put("pick", s.pick);
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
    const text = noteText(note);
    const label = t("flags." + status) + (text ? " — " + text : "");
    return el("span", { class: "flag", title: label, "aria-label": label, role: "img" },
      FLAGS[status].mark);
  }

  /* ------------------------------------------------------------------- colours -------- */

  /* One colour per region on every chart: fixed colours first; the rest (provinces) by
   * their place in the list of regions, spread around the hue circle by the golden angle so
   * that neighbours in the list differ, dark enough to read on white (3:1 for lines). */
  function colorOf(id) {
    if (COLORS[id])
      return COLORS[id];
    let k = regionOrder.indexOf(id);
    if (k < 0)
      k = [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 997, 7);
    return "hsl(" + Math.round((k * 137.508) % 360) + ", 70%, 36%)";
  }
  /* Lines of the regions nobody picked, when a chart has many. */
  const GREY = "#c4c8cf";
  let regionOrder = [];   /* ids of v1/regions, for colorOf */

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

  /* The panel shown: the URL's, or the default of the indicator (see PANELS). */
  function panelShown() {
    if (state.panel)
      return state.panel;
    return view && hasProvinces(view.meta) ? "map" : "table";
  }

  /* An indicator with values for at least ten provinces has a map and distributions. */
  function hasProvinces(meta) {
    return meta.coverage.by_region.filter((b) => b.region.kind === "province" && !b.computed).length >= 10;
  }

  function showPanel() {
    const shown = panelShown();
    for (const tab of document.querySelectorAll('[role="tab"]')) {
      const on = tab.dataset.panel === shown;
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
    for (const g of groups)
      for (const s of g.series)
        s.color = colorOf(s.region.id);
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
    const [list, groups, regions] = await Promise.all([
      getJSON(apiUrl("v1/indicators", { lang: state.lang })),
      getJSON(apiUrl("v1/groups", { lang: state.lang })),
      getJSON(apiUrl("v1/regions", { lang: state.lang }))]);
    if (my !== seq)
      return null;
    indicatorList = list.indicators;
    groupsList = groups.groups;
    regionsList = regions.regions;
    regionOrder = regionsList.map((r) => r.id);
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
    /* The description in the page language; an English one is not shown on the Chinese
     * page (the API falls back to English when the data have no Chinese text). */
    const description = state.lang === "zh" ? meta.description_zh : meta.description_en;
    if (description)
      parts.push(el("p", { class: "description" }, description));
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
        x: { type: "linear", afterBuildTicks: spaceBounds,
          ticks: { precision: 0, maxRotation: 0, callback: (v) => fmtYear(v) } },
        y: { title: { display: !!unit, text: unit }, ticks: { callback: (v) => yFormat(v) } }
      }
    };
  }

  /* Chart.js adds the axis' first and last value to the round years it picks: 2041 after 2038
   * at phone width, their labels on top of each other. A bound closer than half a step to its
   * neighbour gives way to it. */
  function spaceBounds(scale) {
    const ticks = scale.ticks;
    if (ticks.length < 4)
      return;
    const step = ticks[2].value - ticks[1].value;
    const last = ticks.length - 1;
    scale.ticks = ticks.filter((tk, i) =>
      (i !== 0 || ticks[1].value - tk.value >= step / 2) &&
      (i !== last || tk.value - ticks[last - 1].value >= step / 2));
  }

  /* A dataset per region; flagged points get their own shape and a larger size. A segment
   * that ends in a series break is dashed: the two sides are not quite comparable. */
  function regionDataset(s, busy, highlighted) {
    const data = withGaps(s.observations.map((o) =>
      ({ x: o.year, y: o.value, status: o.status, source: o.source })));
    const grey = busy && !highlighted;
    const color = grey ? GREY : s.color;
    /* A point alone between gaps has no line: it is drawn larger so that it shows. */
    const alone = (i) => (i === 0 || data[i - 1].y == null) && (i === data.length - 1 || data[i + 1].y == null);
    return {
      label: s.region.name + (s.computed ? " *" : ""),
      regionId: s.region.id,
      highlighted: busy ? !!highlighted : null,
      data: data,
      spanGaps: false,
      order: grey ? 2 : 1,
      borderColor: color,
      backgroundColor: color,
      borderWidth: grey ? 1 : 2.5,
      pointStyle: (ctx) => (ctx.raw && FLAGS[ctx.raw.status] ? FLAGS[ctx.raw.status].style : "circle"),
      pointRadius: (ctx) => (ctx.raw && ctx.raw.status ? (busy ? 3 : 6)
        : alone(ctx.dataIndex) ? 4 : grey ? 0 : busy || data.length > 25 ? 1.5 : 3),
      segment: {
        borderDash: (ctx) => (data[ctx.p1DataIndex] && data[ctx.p1DataIndex].status === "break"
          ? [5, 4] : undefined)
      }
    };
  }

  /* POINTS {x: year, y} in year order with a {x, y: null} wherever years are missing, so that
   * Chart.js (spanGaps false) leaves the gap open instead of joining 2011 to 2019. */
  function withGaps(points) {
    const out = [];
    for (const p of points.slice().sort((a, b) => a.x - b.x)) {
      const prev = out[out.length - 1];
      if (prev && p.x - prev.x > 1 && prev.y != null)
        out.push({ x: prev.x + 1, y: null });
      out.push(p);
    }
    return out;
  }

  /* The regions coloured on a chart of many: those picked (pick= in the URL), or else the top
   * two and the bottom two by their latest value. */
  function highlightedIds(series) {
    const ids = series.map((s) => s.region.id);
    const picked = state.pick.split(",").filter((id) => ids.includes(id));
    if (picked.length)
      return new Set(picked);
    const last = series.map((s) => {
      const o = s.observations.filter((x) => x.value != null).pop();
      return { id: s.region.id, v: o ? o.value : null };
    }).filter((x) => x.v != null).sort((a, b) => b.v - a.v);
    return new Set(last.slice(0, 2).concat(last.slice(-2)).map((x) => x.id));
  }

  function togglePick(id, series) {
    const shown = highlightedIds(series);
    if (shown.has(id))
      shown.delete(id);
    else
      shown.add(id);
    navigate({ pick: [...shown].join(",") || "" });
  }

  /* A benchmark as a flat dashed line across the years of the chart: no plugin needed. */
  function benchmarkDataset(b, minYear, maxYear) {
    const lo = minYear === maxYear ? minYear - 1 : minYear;
    const hi = minYear === maxYear ? maxYear + 1 : maxYear;
    return {
      label: t("benchmark") + ": " + benchmarkLabel(b) + " (" + fmt(b.value) + ")",
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
  /* On a chart of many lines (highlighted set on its datasets) a legend button colours or
   * greys its region (pick= in the URL) instead of hiding it. */
  function legend(chart, datasets, series) {
    const picking = datasets.some((ds) => ds.highlighted != null);
    const list = el("ul", { class: "legend", "aria-label": t(picking ? "legendPick" : "legend") });
    datasets.forEach((ds, i) => {
      const toggle = el("button", {
        type: "button", class: "legend-toggle" + (picking && !ds.highlighted ? " legend-grey" : ""),
        "aria-pressed": String(picking ? !!ds.highlighted : true),
        onclick: () => {
          if (picking && ds.regionId)
            return togglePick(ds.regionId, series);
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
        const lit = busy ? highlightedIds(group.series) : new Set();
        const datasets = group.series.map((s) => regionDataset(s, busy, lit.has(s.region.id)));
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
        if (busy)
          fig.append(el("p", { class: "hint" }, t("pickHint")));
        fig.append(legend(chart, datasets, group.series));
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
    const jobs = pairs.map(async (p) => {
      try {
        const bench = await ratioBenchmark(p.reference);
        const url = apiUrl("v1/gaps/pairs", Object.assign({
          indicator: view.id, reference: p.reference, target: bench ? bench.value : null
        }, range));
        return pairsSection(await getJSON(url), url, bench);
      } catch (e) {
        return errorSection(e);
      }
    }).concat(groups.map((g) => {
      /* the provinces fall into the four macro-regions: Dagum's decomposition by parent */
      const url = apiUrl("v1/gaps/dispersion", Object.assign({
        indicator: view.id, regions: "group:" + g, measures: "cv,gini",
        group_by: g === "provinces" ? "parent" : null
      }, range));
      return getJSON(url).then((d) => dispersionSection(d, url, g), (e) => errorSection(e));
    }));
    if (groups.includes("provinces") && hasProvinces(view.meta)) {
      const url = apiUrl("v1/gaps/spatial", Object.assign({ indicator: view.id, regions: "group:provinces" }, range));
      jobs.push(getJSON(url).then((d) => moranSection(d, url), (e) => errorSection(e)));
    }
    const sections = (await Promise.all(jobs)).flat();
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

  /* The reference level a ratio of this indicator is measured against: the benchmark of the
   * indicator that publishes the same ratio (RATIO_BENCHMARKS), in the page language. */
  async function ratioBenchmark(reference) {
    const b = RATIO_BENCHMARKS[view.id];
    if (!b || b.reference !== reference)
      return null;
    const meta = await getJSON(apiUrl("v1/indicators/" + enc(b.indicator), { lang: state.lang }));
    const first = (meta.benchmarks || [])[0];
    return first ? { value: first.value, label: benchmarkLabel(first) } : null;
  }

  /* A chart of the gaps panel. DATASETS are Chart.js datasets (x: year); drawn once the
   * section is in the page (Chart.js measures its box). TYPE "bar" stacks its datasets. */
  function gapChart(type, datasets, yTitle, label, yFormat, extra) {
    if (typeof window.Chart !== "function")
      return { box: null, draw: null };
    const canvas = el("canvas", { role: "img", "aria-label": label });
    const box = el("div", { class: "chart-box small" }, canvas);
    const options = lineOptions(yTitle, yFormat);
    options.plugins.legend = {
      display: true, position: "bottom",
      labels: { boxWidth: 14, filter: (item, data) => !data.datasets[item.datasetIndex].hideInLegend }
    };
    options.plugins.tooltip.filter = (item) => !item.dataset.hideInLegend;
    if (type === "bar") {
      options.interaction = { mode: "index", intersect: false };
      options.scales.x = { stacked: true, ticks: { maxRotation: 0, autoSkip: true } };
      options.scales.y.stacked = true;
      options.scales.y.max = 100;
      delete options.plugins.tooltip.itemSort;
      options.plugins.tooltip.callbacks = {
        label: (item) => item.dataset.label + ": " + yFormat(item.parsed.y) + " %"
      };
    }
    else
      options.scales.x.bounds = "data"; /* no empty decade after the last year */
    if (extra)
      extra(options);
    const draw = () => new window.Chart(canvas, {
      type: type, data: type === "bar" ? datasets : { datasets: datasets }, options: options
    });
    return { box: box, draw: draw };
  }

  /* The trend lines of the segments (from the API's slope and intercept of each), dashed. */
  function segmentDatasets(segments, color, extendTo) {
    return segments.map((sg, k) => {
      const last = k === segments.length - 1;
      const to = last && extendTo != null && extendTo > sg.to ? extendTo : sg.to;
      const at = (x) => sg.intercept + sg.slope * x;
      return {
        label: t("segmentLine"), trendSegment: true, hideInLegend: k > 0,
        data: [{ x: sg.from, y: at(sg.from) }, { x: to, y: at(to) }],
        borderColor: color, backgroundColor: color, borderWidth: 1.5, borderDash: [6, 4],
        pointRadius: 0, pointHoverRadius: 0, order: 0
      };
    });
  }

  /* A vertical dashed line at each survey break (a year whose value or reference value has
   * status break), from LO to HI on the ratio axis. */
  function breakDatasets(years, lo, hi) {
    return years.map((y, k) => ({
      label: t("breakLine"), breakYear: y, hideInLegend: k > 0,
      data: [{ x: y - 0.5, y: lo }, { x: y - 0.5, y: hi }],
      borderColor: "#92400e", backgroundColor: "#92400e", borderWidth: 1.5, borderDash: [2, 3],
      pointRadius: 0, pointHoverRadius: 0
    }));
  }

  /* The point of a ratio series farthest from 1 (the widest gap) and the words of the
   * headline: the direction of the last segment since its first year, and the peak before. */
  function pairHeadline(d, p) {
    const sm = p.summary;
    const segs = sm.segments || [];
    const since = segs.length ? segs[segs.length - 1].from : sm.first_year;
    let widest = null;
    for (const y of p.years)
      if (y.ratio != null && (!widest || Math.abs(y.ratio - 1) > Math.abs(widest.ratio - 1)))
        widest = y;
    const dir = sm.direction || "none";
    let extreme = "";
    if (dir === "narrowing" && widest && widest.year < sm.last_year)
      extreme = t(widest.ratio >= 1 ? "afterPeak" : "afterLow", { v: fmt(widest.ratio), y: widest.year });
    const words = dir === "none" ? t("directions.none") : t("since." + dir, { year: since });
    return {
      since: since, widest: widest,
      nodes: tNodes("pairHeadline", {
        ref: d.reference.name, region: p.region.name,
        direction: el("strong", { class: "direction direction-" + dir }, words), extreme: extreme
      })
    };
  }

  function pairsSection(d, url, bench) {
    const ref = d.reference.name;
    const sentences = el("ul", { class: "sentences" });
    const datasets = [];
    const table = el("table", { class: "data compact" });
    const head = el("tr", {}, el("th", { scope: "col" }, t("year")));
    const years = new Map();
    const few = d.pairs.length <= 2;
    const breaks = new Set();
    let lo = Infinity;
    let hi = -Infinity;
    let targetYear = null;
    for (const p of d.pairs) {
      const sm = p.summary;
      const color = colorOf(p.region.id);
      if (sm) {
        const h = pairHeadline(d, p);
        const li = el("li", { "data-region": p.region.id, "data-direction": sm.direction || "none" },
          el("span", { class: "headline" }, h.nodes), " ",
          el("span", { class: "detail" }, tNodes("pairSentence", {
            r0: fmt(sm.ratio.first), y0: sm.first_year, r1: fmt(sm.ratio.last), y1: sm.last_year,
            pp: fmtSigned(sm.relative_gap.change_pp),
            overall: t("directionsPlain." + (sm.direction_overall || "none"))
          })));
        if (bench && sm.target) {
          const y = sm.target.year;
          li.append(" ", el("span", { class: "detail target", "data-target-year": y == null ? "" : String(y) },
            y == null ? t("targetNever", { value: fmt(bench.value), label: bench.label, since: h.since })
              : t("targetYear", { value: fmt(bench.value), label: bench.label, since: h.since, year: Math.ceil(y) })));
          if (y != null)
            targetYear = Math.max(targetYear || 0, Math.ceil(y));
        }
        sentences.append(li);
      }
      const points = withGaps(p.years.map((y) => ({
        x: y.year, y: y.ratio, status: y.status === "break" || y.reference_status === "break" ? "break"
          : y.status || y.reference_status
      })));
      for (const y of p.years) {
        if (y.ratio != null) {
          lo = Math.min(lo, y.ratio);
          hi = Math.max(hi, y.ratio);
        }
        if (y.status === "break" || y.reference_status === "break")
          breaks.add(y.year);
      }
      datasets.push({
        label: ref + " ÷ " + p.region.name, regionId: p.region.id, data: points, spanGaps: false,
        borderColor: color, backgroundColor: color, borderWidth: 2, order: 1,
        pointStyle: (ctx) => (ctx.raw && FLAGS[ctx.raw.status] ? FLAGS[ctx.raw.status].style : "circle"),
        pointRadius: (ctx) => (ctx.raw && ctx.raw.status ? 6 : points.length > 25 ? 1.5 : 3)
      });
      if (few && sm && sm.segments)
        datasets.push(...segmentDatasets(sm.segments, "#111827", bench && sm.target ? targetYear : null));
      head.append(el("th", { scope: "col" }, p.region.name + " — " + t("ratio")),
        el("th", { scope: "col" }, p.region.name + " — " + t("relativeGap")));
      for (const y of p.years) {
        if (!years.has(y.year))
          years.set(y.year, {});
        years.get(y.year)[p.region.id] = y;
      }
    }
    const allYears = [...years.keys()].sort((a, b) => a - b);
    if (bench && allYears.length) {
      lo = Math.min(lo, bench.value);
      hi = Math.max(hi, bench.value);
      const b = benchmarkDataset({ label: bench.label, value: bench.value }, allYears[0],
        Math.max(allYears[allYears.length - 1], targetYear || 0));
      b.label = bench.label + " (" + fmt(bench.value) + ")";
      datasets.push(b);
    }
    if (isFinite(lo))
      datasets.push(...breakDatasets([...breaks].sort(), lo, hi));
    const body = el("tbody");
    for (const y of allYears) {
      const row = el("tr", {}, el("th", { scope: "row" }, fmtYear(y)));
      for (const p of d.pairs) {
        const v = years.get(y)[p.region.id];
        const status = v && (v.status === "break" || v.reference_status === "break") ? "break" : null;
        row.append(el("td", {}, v ? fmt(v.ratio, true) : "", flagMark(status)),
          el("td", {}, v ? fmtPercent(v.relative_gap) : ""));
      }
      body.append(row);
    }
    table.append(el("thead", {}, head), body);
    const chart = gapChart("line", datasets, t("ratio"), t("pairsChart", { ref: ref }), (v) => fmt(v));
    const node = el("section", { class: "gap-card", "data-reference": d.reference.id },
      el("h3", {}, t("pairsTitle", { ref: ref })),
      el("p", { class: "hint" }, t("pairsIntro", { ref: ref })),
      sentences, chart.box,
      few ? el("p", { class: "hint" }, t("segmentsKey")) : null,
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
    ].map((l) => ({
      label: l.label, measure: l.measure, data: l.points, borderColor: l.color,
      backgroundColor: l.color, borderWidth: 2, pointRadius: 2
    }));
    const title = t("dispersionTitle", { group: groupName(group) });
    const chart = gapChart("line", lines, "", title, (v) => fmt(v));
    let since = "";
    if (sc && sc.segments && sc.segments.length > 1)
      since = t("sigmaSince", { year: sc.segments[sc.segments.length - 1].from });
    const sentence = first
      ? el("p", { class: "sentence", "data-direction": direction || "none" }, tNodes("dispersionSentence", {
        n: first.n, c0: fmt(first.cv), y0: first.year, c1: fmt(last.cv), y1: last.year,
        g0: fmt(first.gini), g1: fmt(last.gini), direction: directionNode(direction), since: since
      }))
      : el("p", { class: "note" }, t("noData"));
    const leftOut = d.left_out && d.left_out.regions.length
      ? el("p", { class: "hint" }, t("leftOut", {
        list: d.left_out.regions.map((r) => regionName(r.region)).join(t("listSep"))
      })) : null;
    const table = el("table", { class: "data compact" },
      el("thead", {}, el("tr", {}, [t("year"), "n", t("cv"), t("gini")].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, d.years.map((y) => el("tr", {}, el("th", { scope: "row" }, fmtYear(y.year)),
        el("td", {}, String(y.n)), el("td", {}, fmt(y.cv, true)), el("td", {}, fmt(y.gini, true))))));
    const node = el("section", { class: "gap-card", "data-group": group },
      el("h3", {}, title), sentence, leftOut, chart.box,
      el("details", {}, el("summary", {}, t("yearsTable")), el("div", { class: "table-wrap" }, table)),
      dataLinks(url));
    const out = [{ node: node, draw: chart.draw }];
    if (d.years.some((y) => y.dagum))
      out.push(dagumSection(d, url));
    return out;
  }

  /* Dagum's Gini decomposition by macro-region: the shares of within, net between and
   * transvariation in each year's Gini, as stacked bars and a table. */
  function dagumSection(d, url) {
    const years = d.years.filter((y) => y.dagum);
    const parts = [["within", "#1d4ed8"], ["net_between", "#c2410c"], ["transvariation", "#6b7280"]];
    const data = {
      labels: years.map((y) => fmtYear(y.year)),
      datasets: parts.map(([k, c]) => ({
        label: t("dagum." + k), part: k, data: years.map((y) => y.dagum.shares[k]),
        backgroundColor: c, borderColor: c, stack: "shares"
      }))
    };
    const title = t("dagumTitle");
    const chart = gapChart("bar", data, t("sharePercent"), title, (v) => fmt(v));
    const last = years[years.length - 1];
    const sentence = last ? el("p", { class: "sentence" }, t("dagumSentence", {
      year: last.year, gini: fmt(last.dagum.gini), between: fmt(last.dagum.shares.net_between),
      within: fmt(last.dagum.shares.within), trans: fmt(last.dagum.shares.transvariation)
    })) : null;
    const table = el("table", { class: "data compact", "data-table": "dagum" },
      el("thead", {}, el("tr", {}, [t("year"), t("gini")].concat(parts.map(([k]) => t("dagum." + k) + " %"))
        .map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, years.map((y) => el("tr", {}, el("th", { scope: "row" }, fmtYear(y.year)),
        el("td", {}, fmt(y.dagum.gini, true)),
        parts.map(([k]) => el("td", {}, fmt(y.dagum.shares[k])))))));
    const node = el("section", { class: "gap-card", "data-analysis": "dagum" },
      el("h3", {}, title), el("p", { class: "hint" }, t("dagumIntro")), sentence, chart.box,
      el("details", {}, el("summary", {}, t("yearsTable")), el("div", { class: "table-wrap" }, table)),
      dataLinks(url));
    return { node: node, draw: chart.draw };
  }

  /* Global Moran's I of the provinces per year; a filled point is significant (two-sided p
   * under randomisation below 0.05), a hollow one is not. */
  function moranSection(d, url) {
    const years = d.years.filter((y) => y.moran);
    const sig = (y) => y.moran.p_two_sided_random != null && y.moran.p_two_sided_random < 0.05;
    const color = "#7e22ce";
    const datasets = [{
      label: t("moranI"), data: years.map((y) => ({ x: y.year, y: y.moran.i, p: y.moran.p_two_sided_random })),
      borderColor: color, backgroundColor: (ctx) => (ctx.raw && ctx.raw.p < 0.05 ? color : "#ffffff"),
      pointBorderColor: color, borderWidth: 2, pointRadius: 4, spanGaps: false
    }, {
      label: t("moranExpected"), data: years.map((y) => ({ x: y.year, y: y.moran.expected })),
      borderColor: "#6b7280", backgroundColor: "#6b7280", borderDash: [6, 4], borderWidth: 1,
      pointRadius: 0, pointHoverRadius: 0
    }];
    const title = t("moranTitle");
    const chart = gapChart("line", datasets, "I", title, (v) => fmt(v), (o) => {
      o.plugins.tooltip.callbacks.afterLabel = (item) => (item.raw && item.raw.p != null
        ? "p = " + fmtP(item.raw.p) : "");
    });
    const last = years[years.length - 1];
    const sentence = last ? el("p", { class: "sentence", "data-significant": String(sig(last)) },
      t(sig(last) ? (last.moran.i > 0 ? "moranClustered" : "moranDispersed") : "moranNone", {
        year: last.year, i: fmt(last.moran.i), p: fmtP(last.moran.p_two_sided_random),
        k: years.filter(sig).length, n: years.length
      })) : el("p", { class: "note" }, t("noData"));
    const table = el("table", { class: "data compact", "data-table": "moran" },
      el("thead", {}, el("tr", {}, [t("year"), "I", "E[I]", "z", "p", t("significant")]
        .map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, years.map((y) => el("tr", { "data-year": y.year },
        el("th", { scope: "row" }, fmtYear(y.year)), el("td", {}, fmt(y.moran.i, true)),
        el("td", {}, fmt(y.moran.expected, true)), el("td", {}, fmt(y.moran.z_random)),
        el("td", {}, fmtP(y.moran.p_two_sided_random)), el("td", {}, t(sig(y) ? "yes" : "no"))))));
    const node = el("section", { class: "gap-card", "data-analysis": "moran" },
      el("h3", {}, title), el("p", { class: "hint" }, t("moranIntro")), sentence, chart.box,
      el("details", {}, el("summary", {}, t("yearsTable")), el("div", { class: "table-wrap" }, table)),
      dataLinks(url));
    return { node: node, draw: chart.draw };
  }

  function fmtP(p) {
    if (p == null)
      return "–";
    return p < 0.001 ? "< " + fmt(0.001) : fmt(p);
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
    main.dataset.panel = panelShown();
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
        shownPick = state.pick;
        renderTable();
        shownKey = key;
        for (const k of Object.keys(panelKeys))
          panelKeys[k] = "";
        $("#status").textContent = t("ready", { name: view.meta.name });
        showPanel();
      }
      const panel = panelShown();
      const panelKey = [key, state.compare, state.year, state.relative, state.index, state.pick].join("|");
      if (panel !== "table" && panelKeys[panel] !== panelKey) {
        /* panels.js runs after this file, so its panels are looked up here, not at start */
        await (renderers[panel] || P.panels[panel])(my);
        if (my !== seq)
          return;
        panelKeys[panel] = panelKey;
      }
      if (state.pick !== shownPick) {
        renderCharts();
        shownPick = state.pick;
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

  /* ------------------------------------------------------------------- the other views */

  /* Each panel but the table is a function (my) => Promise that fills #panel-NAME; my is the
   * render generation (drop the answer when my !== P.seq()). The map, distribution and index
   * panels live in panels.js and reach this file's helpers through window.Prosperity. */
  const renderers = { gaps: renderGaps, compare: renderCompare };
  const P = window.Prosperity = window.Prosperity || {};
  P.panels = P.panels || {};
  Object.assign(P, {
    $: $, el: el, t: t, tNodes: tNodes, fmt: fmt, fmtPercent: fmtPercent, fmtSigned: fmtSigned,
    fmtYear: fmtYear, numberFormat: numberFormat, getJSON: getJSON, apiUrl: apiUrl,
    navigate: navigate, errorNode: errorNode, dataLinks: dataLinks, regionButton: regionButton,
    unitText: unitText, colorOf: colorOf, lineOptions: lineOptions, hasProvinces: hasProvinces,
    destroyCharts: destroyCharts, charts: charts, GREY: GREY,
    state: () => state, view: () => view, seq: () => seq, lang: () => L,
    regions: () => regionsList, indicators: () => indicatorList
  });

  function start() {
    if (typeof window.Chart === "function") {
      window.Chart.Interaction.modes.year = yearMode;
      window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
      window.Chart.defaults.color = "#374151";
    }
    wireControls();
    render();
  }

  /* The scripts are deferred and run in document order before DOMContentLoaded, so
   * panels.js (after this file) has registered the map, distribution and index views only then;
   * starting at once (readyState is already "interactive" here) lost that race when the
   * first answers came back from the cache. "load" is the fallback should this file run late. */
  let started = false;
  const startOnce = () => {
    if (!started) {
      started = true;
      start();
    }
  };
  if (document.readyState === "complete") {
    startOnce();
  } else {
    document.addEventListener("DOMContentLoaded", startOnce);
    window.addEventListener("load", startOnce);
  }
})();
