// Small SVG charts drawn by hand: stacked columns (calls by hour) and horizontal bars (hot categories).

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// series: [{key, label, color}], rows: [{label, <key>: number}]
export function stackedColumns(rows, series, { width = 640, height = 220, title = "" } = {}) {
  const pad = { left: 34, right: 8, top: 26, bottom: 26 };
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": title });
  const totals = rows.map((r) => series.reduce((sum, s) => sum + (r[s.key] || 0), 0));
  const max = Math.max(1, ...totals);
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const plotH = height - pad.top - pad.bottom;
  const plotW = width - pad.left - pad.right;
  const col = plotW / rows.length;
  for (let v = 0; v <= top; v += step) {
    const y = pad.top + plotH - (v / top) * plotH;
    root.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: "grid" }));
    root.append(svg("text", { x: pad.left - 4, y: y + 4, class: "axis", "text-anchor": "end" }, String(v)));
  }
  rows.forEach((row, i) => {
    let y = pad.top + plotH;
    for (const s of series) {
      const value = row[s.key] || 0;
      if (!value) continue;
      const h = (value / top) * plotH;
      y -= h;
      const rect = svg("rect", { x: pad.left + i * col + col * 0.15, y, width: col * 0.7, height: h, fill: s.color });
      rect.append(svg("title", {}, `${row.label} ${s.label} ${value}`));
      root.append(rect);
    }
    if (rows.length <= 12 || i % 2 === 0) {
      root.append(svg("text", { x: pad.left + i * col + col / 2, y: height - 8, class: "axis", "text-anchor": "middle" }, row.label));
    }
  });
  let lx = pad.left;
  for (const s of series) {
    root.append(svg("rect", { x: lx, y: 6, width: 10, height: 10, fill: s.color }));
    root.append(svg("text", { x: lx + 14, y: 15, class: "legend" }, s.label));
    lx += 14 + s.label.length * 13 + 16;
  }
  return root;
}

// rows: [{label, value}]
export function horizontalBars(rows, { width = 420, barHeight = 22, color = "#3b82f6", title = "" } = {}) {
  const labelW = 110;
  const height = Math.max(1, rows.length) * (barHeight + 8) + 8;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": title });
  const max = Math.max(1, ...rows.map((r) => r.value));
  if (!rows.length) {
    root.append(svg("text", { x: 8, y: 20, class: "axis" }, "今日暂无数据"));
  }
  rows.forEach((row, i) => {
    const y = 8 + i * (barHeight + 8);
    const w = ((width - labelW - 40) * row.value) / max;
    root.append(svg("text", { x: labelW - 6, y: y + barHeight * 0.7, class: "axis", "text-anchor": "end" }, row.label));
    root.append(svg("rect", { x: labelW, y, width: Math.max(2, w), height: barHeight, rx: 3, fill: color }));
    root.append(svg("text", { x: labelW + w + 6, y: y + barHeight * 0.7, class: "value" }, String(row.value)));
  });
  return root;
}

function niceStep(max) {
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 5, 10]) if (raw <= m * mag) return Math.max(1, m * mag);
  return mag * 10;
}
