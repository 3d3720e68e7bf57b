// A small SVG charting layer: linear and log scales, ticks, axes, lines, points, heat-map images.
// Every function returns SVG markup (a string); a panel sets it as its innerHTML in one go, so a
// redraw is one DOM write. Colours are CSS classes (explorer.css), so dark mode is a stylesheet.

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

/** Text safe inside SVG/HTML. */
export function esc(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

/** A number in 3 significant digits: 0.0123, 1.23e-7, 4.56e+12. */
export function fmt(x, digits = 3) {
  if (x === null || x === undefined) return "n/a";
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : x > 0 ? "∞" : "−∞";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e4) return String(Number(x.toPrecision(digits)));
  return x.toExponential(digits - 1).replace("e+", "e");
}

/** 10 to a power, as "10⁻⁵". */
export function power10(k) {
  return "10" + String(k).split("").map((c) => SUPERSCRIPT[c]).join("");
}

/** Limits (in log10) of the finite positive values, at least one decade, padded a little. */
export function logLimits(values, floor = -300, ceil = 300) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v > 0 && Number.isFinite(v)) {
      const l = Math.log10(v);
      if (l < lo) lo = l;
      if (l > hi) hi = l;
    }
  }
  if (lo === Infinity) return [-1, 1];
  const pad = Math.max(0.15, 0.06 * (hi - lo));
  lo -= pad;
  hi += pad;
  if (hi - lo < 1) {
    const mid = (hi + lo) / 2;
    [lo, hi] = [mid - 0.5, mid + 0.5];
  }
  return [Math.max(lo, floor), Math.min(hi, ceil)];
}

function niceStep(span, count) {
  const raw = span / Math.max(count, 1);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** Linear ticks over [lo, hi], about `count` of them. */
export function linearTicks(lo, hi, count = 5) {
  const step = niceStep(hi - lo, count);
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    out.push({ value: v, label: String(Number(v.toPrecision(6))) });
  }
  return out;
}

/** Decade ticks over log10 limits [lo, hi]: every 1, 2, 5, 10, ... decades (about `count`). */
export function logTicks(lo, hi, count = 5) {
  const span = hi - lo;
  if (span < 1.6) { // less than two decades: 1, 2, 5 times each power of ten
    const out = [];
    for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
      for (const m of span < 0.7 ? [1, 1.5, 2, 3, 5, 7] : [1, 2, 5]) {
        const v = k + Math.log10(m);
        if (v >= lo && v <= hi) out.push({ value: v, label: m === 1 && (k < -2 || k > 3) ? power10(k) : fmt(m * 10 ** k, 2) });
      }
    }
    return out;
  }
  const every = [1, 2, 3, 5, 10, 20, 25, 50, 100].find((e) => span / e <= count) || 100;
  const out = [];
  for (let k = Math.ceil(lo / every) * every; k <= hi; k += every) out.push({ value: k, label: power10(k) });
  return out;
}

/**
 * A frame: margins, scales and the axes' markup. `x` and `y` are { lo, hi, log, label, ticks } with
 * lo/hi in data units (log10 units for a log axis). Returns { sx, sy, inner, markup, box }.
 */
export function frame({ width, height, x, y, title }) {
  const small = width < 360;
  const m = { left: small ? 44 : 52, right: 10, top: title ? 24 : 8, bottom: 36 };
  const box = { x0: m.left, x1: width - m.right, y0: m.top, y1: height - m.bottom };
  const scale = (axis, a, b) => (v) => {
    const t = axis.log ? (v > 0 ? Math.log10(v) : -Infinity) : v;
    return a + ((t - axis.lo) / (axis.hi - axis.lo)) * (b - a);
  };
  const sx = scale(x, box.x0, box.x1);
  const sy = scale(y, box.y1, box.y0);
  const xt = x.ticks || (x.log ? logTicks(x.lo, x.hi, small ? 3 : 5) : linearTicks(x.lo, x.hi, small ? 4 : 6));
  const yt = y.ticks || (y.log ? logTicks(y.lo, y.hi, small ? 4 : 6) : linearTicks(y.lo, y.hi, 5));
  const parts = [`<rect class="gn-plot" x="${box.x0}" y="${box.y0}" width="${box.x1 - box.x0}" height="${box.y1 - box.y0}"/>`];
  for (const t of yt) {
    const py = box.y1 + ((t.value - y.lo) / (y.hi - y.lo)) * (box.y0 - box.y1);
    parts.push(`<line class="gn-grid" x1="${box.x0}" x2="${box.x1}" y1="${py}" y2="${py}"/>`,
      `<text class="gn-tick" x="${box.x0 - 4}" y="${py}" text-anchor="end" dominant-baseline="middle">${esc(t.label)}</text>`);
  }
  for (const t of xt) {
    const px = box.x0 + ((t.value - x.lo) / (x.hi - x.lo)) * (box.x1 - box.x0);
    parts.push(`<line class="gn-grid" y1="${box.y0}" y2="${box.y1}" x1="${px}" x2="${px}"/>`,
      `<text class="gn-tick" x="${px}" y="${box.y1 + 14}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  parts.push(`<text class="gn-label" x="${(box.x0 + box.x1) / 2}" y="${height - 6}" text-anchor="middle">${esc(x.label || "")}</text>`,
    `<text class="gn-label" transform="translate(12 ${(box.y0 + box.y1) / 2}) rotate(-90)" text-anchor="middle">${esc(y.label || "")}</text>`);
  if (title) parts.push(`<text class="gn-title" x="${box.x0}" y="16">${esc(title)}</text>`);
  return { sx, sy, box, markup: parts.join("") };
}

/** A polyline through the points whose both coordinates map to finite pixels (gaps elsewhere). */
export function line(points, sx, sy, cls) {
  const runs = [];
  let run = [];
  for (const [x, y] of points) {
    const px = sx(x);
    const py = sy(y);
    if (Number.isFinite(px) && Number.isFinite(py)) run.push(`${px.toFixed(1)},${py.toFixed(1)}`);
    else if (run.length) { runs.push(run); run = []; }
  }
  if (run.length) runs.push(run);
  return runs.map((r) => (r.length === 1 ? `<circle class="${cls}" cx="${r[0].split(",")[0]}" cy="${r[0].split(",")[1]}" r="1.5"/>`
    : `<polyline class="${cls}" points="${r.join(" ")}"/>`)).join("");
}

/** Points (circles of radius r) at finite pixels. */
export function dots(points, sx, sy, cls, r = 2.6) {
  let out = "";
  for (const [x, y] of points) {
    const px = sx(x);
    const py = sy(y);
    if (Number.isFinite(px) && Number.isFinite(py)) out += `<circle class="${cls}" cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="${r}"/>`;
  }
  return out;
}

/** Triangles on the top edge at the given x (overflowed layers: inf or NaN cannot sit on the axis). */
export function edgeMarks(xs, sx, box, cls, top = true) {
  return xs.map((x) => {
    const px = sx(x);
    const py = top ? box.y0 : box.y1;
    const d = top ? 6 : -6;
    return `<path class="${cls}" d="M${px - 4},${py + d} L${px + 4},${py + d} L${px},${py} Z"/>`;
  }).join("");
}

/** A legend: rows of [class, kind ("line" | "dash" | "dot"), text] in the top right of the box. */
export function legend(items, box, { left = false } = {}) {
  const w = Math.max(...items.map(([, , text]) => text.length)) * 6.6 + 30;
  const x = left ? box.x0 + 6 : box.x1 - w - 4;
  let out = `<rect class="gn-legend" x="${x}" y="${box.y0 + 4}" width="${w}" height="${items.length * 16 + 6}" rx="3"/>`;
  items.forEach(([cls, kind, text], i) => {
    const y = box.y0 + 16 + i * 16;
    out += kind === "dot" ? `<circle class="${cls}" cx="${x + 12}" cy="${y - 4}" r="3"/>`
      : `<line class="${cls}" x1="${x + 4}" x2="${x + 20}" y1="${y - 4}" y2="${y - 4}"/>`;
    out += `<text class="gn-legend-text" x="${x + 26}" y="${y}">${esc(text)}</text>`;
  });
  return out;
}

/** RGB colour maps: viridis (sequential) and a blue-white-red diverging map, t in [0, 1]. */
const MAPS = {
  viridis: [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]],
  diverging: [[33, 102, 172], [146, 197, 222], [247, 247, 247], [244, 165, 130], [178, 24, 43]],
};

export function colour(map, t) {
  const stops = MAPS[map];
  const u = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(u), stops.length - 2);
  const f = u - i;
  return stops[i].map((c, k) => Math.round(c + f * (stops[i + 1][k] - c)));
}

/**
 * A heat map as a data URL: `rows` x `cols` cells, value(row, col) -> t in [0, 1] or null (blank),
 * row 0 at the bottom. Drawn with preserveAspectRatio="none" and crisp edges.
 */
let heatCanvas = null; // one canvas for every heat map of the page (each becomes a data URL at once)

export function heatImage(rows, cols, value, map) {
  if (!heatCanvas) heatCanvas = document.createElement("canvas");
  const canvas = heatCanvas;
  canvas.width = cols; // (also clears it)
  canvas.height = rows;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(cols, rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const t = value(r, c);
      const o = ((rows - 1 - r) * cols + c) * 4;
      if (t === null) { img.data[o + 3] = 0; continue; }
      const [R, G, B] = colour(map, t);
      img.data[o] = R; img.data[o + 1] = G; img.data[o + 2] = B; img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return canvas.toDataURL("image/png");
}

export function image(href, box) {
  return `<image href="${href}" x="${box.x0}" y="${box.y0}" width="${box.x1 - box.x0}" height="${box.y1 - box.y0}" preserveAspectRatio="none" style="image-rendering: pixelated"/>`;
}

/** A colour bar to the right of (or under) a heat map, with its label. */
export function colourBar(map, box, ticks, label) {
  const x = box.x1 + 6;
  const h = box.y1 - box.y0;
  const stops = [0, 0.25, 0.5, 0.75, 1].map((t) => `<stop offset="${t}" stop-color="rgb(${colour(map, t).join(",")})"/>`).join("");
  const id = `gn-bar-${map}`;
  let out = `<defs><linearGradient id="${id}" x1="0" y1="1" x2="0" y2="0">${stops}</linearGradient></defs>`;
  out += `<rect x="${x}" y="${box.y0}" width="8" height="${h}" fill="url(#${id})"/>`;
  for (const [t, text] of ticks) {
    out += `<text class="gn-tick" x="${x + 11}" y="${box.y1 - t * h}" dominant-baseline="middle">${esc(text)}</text>`;
  }
  out += `<text class="gn-label" transform="translate(${x + 40} ${(box.y0 + box.y1) / 2}) rotate(90)" text-anchor="middle">${esc(label)}</text>`;
  return out;
}
