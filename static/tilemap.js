/* static/tilemap.js — a tile grid map of China's 31 provinces: one equal square per province,
 * placed so that the country's shape stays recognisable (the tile-grid maps of data
 * journalism). No boundary file: nothing to license, nothing to dispute.
 *
 * window.TileMap.render(opts) returns a <div> with one <button data-region> per province
 * (keyboard reachable, a title with name, value, unit and year) and a legend. It knows
 * nothing of the API: app.js and panels.js give it values, names and words. */
"use strict";

(function () {
  /* [column, row] of each province on an 8 × 8 grid, north at the top. */
  const LAYOUT = {
    heilongjiang: [7, 0],
    inner_mongolia: [4, 1], beijing: [5, 1], liaoning: [6, 1], jilin: [7, 1],
    xinjiang: [0, 2], qinghai: [1, 2], gansu: [2, 2], ningxia: [3, 2], shanxi: [4, 2],
    hebei: [5, 2], tianjin: [6, 2],
    tibet: [1, 3], sichuan: [2, 3], shaanxi: [3, 3], henan: [4, 3], shandong: [5, 3],
    jiangsu: [6, 3],
    yunnan: [2, 4], chongqing: [3, 4], hubei: [4, 4], anhui: [5, 4], shanghai: [6, 4],
    guizhou: [3, 5], hunan: [4, 5], jiangxi: [5, 5], zhejiang: [6, 5],
    guangxi: [3, 6], guangdong: [4, 6], fujian: [5, 6],
    hainan: [4, 7]
  };
  const COLUMNS = 8;
  const ROWS = 8;

  /* Five classes each. Sequential: ColorBrewer Blues, its two darkest steps darkened so that
   * white text on them keeps 4.5:1. Diverging (around the mean): PuOr, orange below the
   * mean, purple above. `light` says which fills take dark text. */
  const PALETTES = {
    sequential: [
      { fill: "#eff3ff", light: true }, { fill: "#bdd7e7", light: true },
      { fill: "#6baed6", light: true }, { fill: "#2171b5", light: false },
      { fill: "#08306b", light: false }
    ],
    diverging: [
      { fill: "#b35806", light: false }, { fill: "#f1a340", light: true },
      { fill: "#f7f7f7", light: true }, { fill: "#998ec3", light: true },
      { fill: "#542788", light: false }
    ]
  };

  /* Class limits for VALUES: five equal steps from min to max; around CENTER (diverging),
   * steps symmetric about it so that the middle class holds the center. */
  function breaks(values, center) {
    const xs = values.filter((v) => v != null && isFinite(v));
    if (!xs.length)
      return null;
    let lo = Math.min(...xs);
    let hi = Math.max(...xs);
    if (center != null) {
      const r = Math.max(hi - center, center - lo) || 1;
      lo = center - r;
      hi = center + r;
    }
    if (lo === hi)
      return { lo: lo, hi: hi, cuts: [] };
    const step = (hi - lo) / 5;
    return { lo: lo, hi: hi, cuts: [1, 2, 3, 4].map((k) => lo + k * step) };
  }

  function classOf(v, b) {
    if (v == null || !b)
      return -1;
    let k = 0;
    while (k < b.cuts.length && v > b.cuts[k])
      k++;
    return b.cuts.length ? k : 2;
  }

  function node(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {}))
      if (v != null && v !== false)
        e.setAttribute(k, v);
    for (const c of children.flat())
      if (c != null)
        e.append(c);
    return e;
  }

  /* opts: values {region: number|null}, names {region: {short, full}}, center (a number for a
   * diverging palette), format(v) for numbers, unit (text), year, words {noValue, legend,
   * tile(name, value, unit, year)}, onPick(region), label (the map's aria-label). */
  function render(opts) {
    const diverging = opts.center != null;
    const palette = PALETTES[diverging ? "diverging" : "sequential"];
    const b = breaks(Object.values(opts.values), opts.center);
    const grid = node("div", {
      class: "tilemap", role: "group", "aria-label": opts.label,
      style: "--cols:" + COLUMNS + ";--rows:" + ROWS
    });
    for (const [id, [col, row]] of Object.entries(LAYOUT)) {
      const v = opts.values[id];
      const k = classOf(v, b);
      const name = opts.names[id] || { short: id, full: id };
      const valueText = v == null ? opts.words.noValue : opts.format(v);
      const title = opts.words.tile(name.full, valueText, opts.unit, opts.year);
      const tile = node("button", {
        type: "button", class: "tile" + (k < 0 ? " tile-empty" : palette[k].light ? "" : " tile-dark"),
        "data-region": id, "data-value": v == null ? "" : String(v), "data-class": String(k),
        title: title, "aria-label": title,
        style: "grid-column:" + (col + 1) + ";grid-row:" + (row + 1) +
          (k < 0 ? "" : ";background:" + palette[k].fill)
      }, node("span", { class: "tile-name", "aria-hidden": "true" }, name.short),
      node("span", { class: "tile-value", "aria-hidden": "true" }, valueText));
      tile.addEventListener("click", () => opts.onPick(id));
      grid.append(tile);
    }
    return node("div", { class: "tilemap-wrap" }, grid, legend(b, palette, opts));
  }

  /* The classes with their limits in the indicator's unit, and the colour of "no value". */
  function legend(b, palette, opts) {
    const list = node("ul", { class: "tilemap-legend", "aria-label": opts.words.legend });
    if (b && b.cuts.length) {
      for (let k = 0; k < 5; k++) {
        const from = k === 0 ? b.lo : b.cuts[k - 1];
        const to = k === 4 ? b.hi : b.cuts[k];
        list.append(node("li", {}, node("span", {
          class: "tilemap-swatch", style: "background:" + palette[k].fill, "aria-hidden": "true"
        }), opts.format(from) + " – " + opts.format(to)));
      }
    } else if (b) {
      list.append(node("li", {}, node("span", {
        class: "tilemap-swatch", style: "background:" + palette[2].fill, "aria-hidden": "true"
      }), opts.format(b.lo)));
    }
    list.append(node("li", {}, node("span", { class: "tilemap-swatch tile-empty", "aria-hidden": "true" }),
      opts.words.noValue));
    const head = node("p", { class: "tilemap-unit" }, opts.unit);
    return node("div", { class: "tilemap-key" }, head, list);
  }

  window.TileMap = { LAYOUT: LAYOUT, render: render, breaks: breaks, classOf: classOf };
})();
