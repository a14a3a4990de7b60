/* static/panels.js — the map, distribution and index views of the page (panel=map,
 * panel=distribution, panel=index). Each is a function (my) => Promise registered in
 * window.Prosperity.panels; app.js calls it when its tab is shown and the state changed, with
 * the render generation `my` (an answer that comes back after a newer render is dropped).
 * Helpers (el, t, fmt, getJSON, navigate, ...) come from app.js through window.Prosperity. */
"use strict";

(function () {
  const P = window.Prosperity;
  const { el, t, fmt, fmtYear, apiUrl, getJSON, navigate } = P;
  /* The default set of the composite index: income, consumption, urbanisation, human
   * development and public spending per person, the dimensions of common prosperity that the
   * data have for every province. Only those present in the data are used. */
  const INDEX_DEFAULT = ["residents_disposable_income", "residents_consumption", "urbanization_rate",
    "hdi", "public_expenditure_per_capita"];

  const panel = (name) => document.getElementById("panel-" + name);
  /* Densities are tiny numbers in yuan (5e-5): three significant digits, not decimals. */
  const fmtSig = (v) => (v == null ? "–" : v === 0 ? "0" : P.numberFormat({ maximumSignificantDigits: 3 }).format(v));
  const stale = (my) => my !== P.seq();

  /* A note instead of the view, for an indicator without provincial data. */
  function noProvinces(name) {
    panel(name).replaceChildren(el("p", { class: "note" }, t("noProvinces")));
  }

  /* Short and full names of the provinces for the tiles: Chinese names are short enough;
   * in English the tile has the letters of the province's code (CN-BJ: BJ). */
  function tileNames() {
    const names = {};
    for (const r of P.regions())
      if (r.kind === "province")
        names[r.id] = {
          full: r.name, short: P.state().lang === "zh" ? r.name : (r.code || r.id).replace(/^CN-/, "")
        };
    return names;
  }

  function yearSelect(id, years, chosen, onPick) {
    const select = el("select", { id: id, onchange: (e) => onPick(Number(e.target.value)) },
      years.slice().reverse().map((y) => el("option", { value: String(y) }, fmtYear(y))));
    select.value = String(chosen);
    return el("div", { class: "field field-inline" }, el("label", { for: id }, t("mapYear")), select);
  }

  /* A ranked table of the map's values: the data behind the map. */
  function valuesTable(rows, unit, caption) {
    const head = el("tr", {}, [t("rank"), t("region"), t("value") + (unit ? " (" + unit + ")" : "")]
      .map((h) => el("th", { scope: "col" }, h)));
    const body = el("tbody", {}, rows.map((r, i) => el("tr", { "data-region": r.id },
      el("td", {}, String(i + 1)),
      el("th", { scope: "row" }, P.regionButton({ id: r.id, name: r.name })),
      el("td", { "data-value": String(r.value) }, fmt(r.value, true)))));
    return el("details", {}, el("summary", {}, caption),
      el("div", { class: "table-wrap" }, el("table", { class: "data compact" }, el("thead", {}, head), body)));
  }

  /* ------------------------------------------------------------------- map ------------ */

  async function renderMap(my) {
    const view = P.view();
    const state = P.state();
    if (!P.hasProvinces(view.meta))
      return noProvinces("map");
    const url = apiUrl("v1/series", { indicator: view.id, regions: "group:provinces", lang: state.lang });
    const d = await getJSON(url);
    if (stale(my))
      return;
    const years = [...new Set(d.series.flatMap((s) => s.observations.filter((o) => o.value != null)
      .map((o) => o.year)))].sort((a, b) => a - b);
    if (!years.length)
      return panel("map").replaceChildren(el("p", { class: "note" }, t("noData")));
    const year = years.includes(state.year) ? state.year : years[years.length - 1];
    const raw = {};
    for (const s of d.series) {
      const o = s.observations.find((x) => x.year === year);
      raw[s.region.id] = o && o.value != null ? o.value : null;
    }
    const present = Object.values(raw).filter((v) => v != null);
    const mean = present.reduce((a, b) => a + b, 0) / present.length;
    const relative = state.relative === "mean";
    const values = {};
    for (const [id, v] of Object.entries(raw))
      values[id] = v == null ? null : relative ? v / mean : v;
    const unit = relative ? t("timesMean") : P.unitText(view.meta.unit);
    const names = tileNames();
    const map = window.TileMap.render({
      values: values, names: names, center: relative ? 1 : null, year: year, unit: unit,
      format: (v) => fmt(v), label: t("mapLabel", { name: view.meta.name, year: year }),
      onPick: (id) => navigate({ region: id }),
      words: {
        noValue: t("noValue"), legend: t("mapLegend", { unit: unit }),
        tile: (name, value, u, y) => t("tileTitle", { name: name, value: value, unit: u, year: y })
      }
    });
    const relativeBox = el("input", {
      type: "checkbox", id: "map-relative", checked: relative,
      onchange: (e) => navigate({ relative: e.target.checked ? "mean" : "" })
    });
    const controls = el("div", { class: "view-controls" },
      yearSelect("map-year", years, year, (y) => navigate({ year: y })),
      el("div", { class: "field field-check" }, relativeBox,
        el("label", { for: "map-relative" }, t("relativeMean"))));
    const rows = Object.entries(values).filter(([, v]) => v != null)
      .map(([id, v]) => ({ id: id, name: (names[id] || { full: id }).full, value: v }))
      .sort((a, b) => b.value - a.value);
    panel("map").replaceChildren(
      el("h3", {}, t("mapTitle", { name: view.meta.name, year: year })),
      el("p", { class: "hint" }, t(relative ? "mapIntroRelative" : "mapIntro", { mean: fmt(mean), unit: P.unitText(view.meta.unit) })),
      controls, map,
      valuesTable(rows, unit, t("mapTable", { year: year })),
      P.dataLinks(apiUrl("v1/series", { indicator: view.id, regions: "group:provinces", year: year, lang: state.lang })));
  }

  /* ------------------------------------------------------------------- distribution --- */

  /* Up to four years spread over YEARS: the first, the last and two between. */
  function someYears(years) {
    if (years.length <= 4)
      return years;
    const n = years.length - 1;
    return [...new Set([0, Math.round(n / 3), Math.round(2 * n / 3), n].map((k) => years[k]))];
  }

  /* Light to dark: later years darker, so the order reads without the legend. */
  const YEAR_COLORS = ["#93c5fd", "#3b82f6", "#1d4ed8", "#0b1f5c"];

  async function renderDistribution(my) {
    const view = P.view();
    const state = P.state();
    P.destroyCharts("distribution");
    if (!P.hasProvinces(view.meta))
      return noProvinces("distribution");
    const relative = state.relative === "mean" ? "mean" : null;
    const common = { indicator: view.id, regions: "group:provinces", from: state.from, to: state.to, lang: state.lang };
    /* the years first (a coarse grid is enough), then the densities of the chosen few */
    const all = await getJSON(apiUrl("v1/gaps/density", Object.assign({ points: 2, relative: relative }, common)));
    if (stale(my))
      return;
    const chosen = someYears(all.years.map((y) => y.year));
    const url = apiUrl("v1/gaps/density", Object.assign({}, common, {
      from: chosen[0], to: chosen[chosen.length - 1], points: 128, relative: relative
    }));
    const mobilityUrl = apiUrl("v1/gaps/mobility", common);
    const [d, m] = await Promise.all([getJSON(url),
      getJSON(mobilityUrl).catch((e) => ({ error: e }))]);
    if (stale(my))
      return;
    const years = d.years.filter((y) => chosen.includes(y.year));
    const unit = relative ? t("timesMean") : P.unitText(view.meta.unit);
    const parts = [el("h3", {}, t("densityTitle", { name: view.meta.name })),
      el("p", { class: "hint" }, t("densityIntro", { n: years.length ? years[0].n : 0 }))];
    const relativeBox = el("input", {
      type: "checkbox", id: "density-relative", checked: !!relative,
      onchange: (e) => navigate({ relative: e.target.checked ? "mean" : "" })
    });
    parts.push(el("div", { class: "view-controls" }, el("div", { class: "field field-check" }, relativeBox,
      el("label", { for: "density-relative" }, t("relativeMean")))));
    let draw = null;
    if (typeof window.Chart === "function") {
      const canvas = el("canvas", { role: "img", "aria-label": t("densityChart", { name: view.meta.name, years: years.map((y) => y.year).join(", ") }) });
      parts.push(el("div", { class: "chart-box", id: "density-chart" }, canvas));
      const datasets = years.map((y, k) => ({
        label: fmtYear(y.year), year: y.year, data: y.points.map((p) => ({ x: p.x, y: p.density })),
        borderColor: YEAR_COLORS[k % YEAR_COLORS.length], backgroundColor: YEAR_COLORS[k % YEAR_COLORS.length],
        borderWidth: 2, pointRadius: 0
      }));
      draw = () => new window.Chart(canvas, {
        type: "line", data: { datasets: datasets },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          interaction: { mode: "nearest", axis: "x", intersect: false },
          plugins: {
            legend: { display: true, position: "bottom", labels: { boxWidth: 14 } },
            tooltip: { callbacks: {
              title: (items) => (items.length ? fmt(items[0].parsed.x) + (unit ? " " + unit : "") : ""),
              label: (item) => item.dataset.label + ": " + fmtSig(item.parsed.y)
            } }
          },
          scales: {
            x: { type: "linear", title: { display: true, text: unit }, ticks: { callback: (v) => fmt(v) } },
            y: { title: { display: true, text: t("density") }, ticks: { callback: (v) => fmtSig(v) } }
          }
        }
      });
    }
    /* the bandwidth of each year, said in words and in the table */
    parts.push(el("p", { class: "bandwidth" }, t("bandwidthSentence", {
      method: d.bandwidth, list: years.map((y) => t("bandwidthYear", { year: y.year, h: fmt(y.bandwidth), unit: unit }))
        .join(t("listSep"))
    })));
    parts.push(densityTable(years, unit), P.dataLinks(url));
    parts.push(m.error ? P.errorNode(m.error) : mobilityTable(m, mobilityUrl));
    panel("distribution").replaceChildren(...parts);
    if (draw)
      P.charts.distribution.push(draw());
  }

  /* Every 8th point of the grid per year: the shape of each curve as numbers. */
  function densityTable(years, unit) {
    const grid = years.length ? years[0].points : [];
    const head = el("tr", {}, el("th", { scope: "col" }, t("valueIn", { unit: unit })),
      years.map((y) => el("th", { scope: "col" }, t("densityIn", { year: y.year }))));
    const body = el("tbody");
    for (let i = 0; i < grid.length; i += 8)
      body.append(el("tr", {}, el("th", { scope: "row" }, fmt(grid[i].x)),
        years.map((y) => el("td", {}, fmtSig(y.points[i].density)))));
    const stats = el("tbody", {}, years.map((y) => el("tr", {}, el("th", { scope: "row" }, fmtYear(y.year)),
      el("td", {}, String(y.n)), el("td", {}, fmt(y.bandwidth, true)))));
    return el("details", {}, el("summary", {}, t("densityTable")),
      el("div", { class: "table-wrap" }, el("table", { class: "data compact", "data-table": "bandwidth" },
        el("thead", {}, el("tr", {}, [t("year"), "n", t("bandwidth")].map((h) => el("th", { scope: "col" }, h)))), stats)),
      el("div", { class: "table-wrap" }, el("table", { class: "data compact" }, el("thead", {}, head), body)));
  }

  /* The Markov transition matrix of relative levels as a heat table: rows the class in year
   * t, columns the class in t + 1, each cell the probability, darker when larger. */
  function mobilityTable(m, url) {
    const k = m.classes.length;
    const classLabel = (c) => {
      const lo = c.class === 1 ? null : m.classes[c.class - 2].upper;
      const range = lo == null ? "≤ " + fmt(c.upper) : c.upper == null ? "> " + fmt(lo) : fmt(lo) + "–" + fmt(c.upper);
      return t("classLabel", { k: c.class, range: range });
    };
    const head = el("tr", {}, el("th", { scope: "col" }, t("fromTo")),
      m.classes.map((c) => el("th", { scope: "col" }, classLabel(c))),
      el("th", { scope: "col" }, t("transitions")));
    const body = el("tbody");
    m.probabilities.forEach((row, i) => {
      const total = m.transitions[i].reduce((a, b) => a + b, 0);
      body.append(el("tr", {}, el("th", { scope: "row" }, classLabel(m.classes[i])),
        row.map((p, j) => {
          const dark = p > 0.55;
          return el("td", {
            class: "heat" + (dark ? " heat-dark" : ""), "data-probability": String(p),
            style: "background:" + heatColor(p), title: t("cellTitle", { n: m.transitions[i][j], total: total })
          }, P.fmtPercent(p));
        }), el("td", {}, String(total))));
    });
    const steady = (m.steady_states || [])[0];
    const foot = steady ? el("tfoot", {}, el("tr", {}, el("th", { scope: "row" }, t("steadyState")),
      steady.map((p) => el("td", {}, P.fmtPercent(p))), el("td", {}, ""))) : null;
    const years = m.from != null ? t("yearsRange", { from: m.from, to: m.to }) : "";
    return el("section", { class: "gap-card", "data-analysis": "mobility" },
      el("h3", {}, t("markovTitle")),
      el("p", { class: "hint" }, t("markovIntro", { k: k, years: years })),
      el("div", { class: "table-wrap" }, el("table", { class: "data markov" }, el("thead", {}, head), body, foot)),
      P.dataLinks(url));
  }

  /* White to dark blue by probability; text turns white past 0.55 (see heat-dark). */
  function heatColor(p) {
    const mix = (a, b) => Math.round(a + (b - a) * Math.min(1, Math.max(0, p)));
    return "rgb(" + mix(255, 8) + "," + mix(255, 48) + "," + mix(255, 107) + ")";
  }

  /* ------------------------------------------------------------------- index ---------- */

  /* Indicators with values for every province: those the index can combine. */
  function indexCandidates() {
    return P.indicators().filter((i) => i.coverage && i.coverage.regions >= 31 && i.aggregation !== "sum" &&
      i.id !== "population");
  }

  function indexChosen(candidates) {
    const ids = candidates.map((i) => i.id);
    const wanted = P.state().index ? P.state().index.split(",") : INDEX_DEFAULT;
    return wanted.filter((id) => ids.includes(id));
  }

  async function renderIndex(my) {
    const state = P.state();
    P.destroyCharts("index");
    const candidates = indexCandidates();
    const chosen = indexChosen(candidates);
    const picker = el("fieldset", { class: "index-picker" }, el("legend", {}, t("indexPick")),
      el("div", { class: "index-options" }, candidates.map((i) => el("label", { class: "check" },
        el("input", {
          type: "checkbox", value: i.id, checked: chosen.includes(i.id), "data-indicator": i.id,
          onchange: () => {
            const ids = [...document.querySelectorAll(".index-picker input:checked")].map((x) => x.value);
            navigate({ index: ids.join(",") === INDEX_DEFAULT.join(",") ? "" : ids.join(",") || "none" });
          }
        }), " " + i.name))));
    const head = [el("h3", {}, t("indexTitle")), el("p", { class: "hint" }, t("indexIntro")), picker];
    if (chosen.length < 2) {
      panel("index").replaceChildren(...head, el("p", { class: "note" }, t("indexTooFew")));
      return;
    }
    /* a neutral indicator (no higher_is_better) counts as higher is better: said in the table */
    const meta = chosen.map((id) => candidates.find((i) => i.id === id));
    const directions = meta.map((i) => (i.higher_is_better === false ? "-" : "+")).join(",");
    const url = apiUrl("v1/index", {
      indicators: chosen.join(","), directions: directions, regions: "group:provinces",
      year: "latest", lang: state.lang
    });
    let d;
    try {
      d = await getJSON(url);
    } catch (err) {
      if (!stale(my))
        panel("index").replaceChildren(...head, P.errorNode(err));
      return;
    }
    if (stale(my))
      return;
    const rows = d.rows.slice().sort((a, b) => a.rank - b.rank);
    const year = rows.length ? rows[0].year : null;
    const values = {};
    for (const r of rows)
      values[r.region.id] = r.score;
    const map = window.TileMap.render({
      values: values, names: tileNames(), center: null, year: year, unit: t("score"),
      format: (v) => fmt(v), label: t("indexMapLabel", { year: year }),
      onPick: (id) => navigate({ region: id }),
      words: {
        noValue: t("noValue"), legend: t("mapLegend", { unit: t("score") }),
        tile: (name, value, u, y) => t("tileTitle", { name: name, value: value, unit: u, year: y })
      }
    });
    const weights = el("table", { class: "data compact", "data-table": "weights" },
      el("thead", {}, el("tr", {}, [t("indicator"), t("direction"), t("weight"), t("entropy")]
        .map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, d.indicators.map((w) => el("tr", { "data-indicator": w.indicator.id },
        el("th", { scope: "row" }, w.indicator.name),
        el("td", {}, t(w.direction === "-" ? "lowerBetter" : w.indicator.higher_is_better == null ? "neutralPlus" : "higherBetter")),
        el("td", { "data-weight": String(w.weight) }, P.fmtPercent(w.weight)),
        el("td", {}, fmt(w.entropy, true))))));
    const ranked = el("table", { class: "data compact", "data-table": "index" },
      el("thead", {}, el("tr", {}, [t("rank"), t("region"), t("score"), t("topsis"), t("topsisRank")]
        .map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows.map((r) => el("tr", { "data-region": r.region.id },
        el("td", {}, String(r.rank)), el("th", { scope: "row" }, P.regionButton(r.region)),
        el("td", { "data-score": String(r.score) }, fmt(r.score, true)),
        el("td", { "data-topsis": String(r.topsis) }, fmt(r.topsis, true)),
        el("td", {}, String(r.topsis_rank))))));
    const warnings = (d.warnings || []).length ? el("p", { class: "hint" }, t("indexWarning")) : null;
    panel("index").replaceChildren(...head,
      el("h3", {}, t("indexRanked", { year: year, n: rows.length })),
      el("p", { class: "hint" }, t("indexMethod", { weights: t("weightsMethod." + d.weights) })),
      warnings || "",
      el("h4", {}, t("weights")), el("div", { class: "table-wrap" }, weights),
      el("div", { class: "index-layout" },
        el("div", { class: "table-wrap" }, ranked),
        el("div", {}, el("h4", {}, t("indexMapTitle", { year: year })), map)),
      P.dataLinks(url));
  }

  Object.assign(P.panels, { map: renderMap, distribution: renderDistribution, index: renderIndex });
})();
