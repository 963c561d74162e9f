// The results as an SVG drawn by hand (no charting dependency): requests per second per operation and
// concurrency, one bar per backend, and the growth run's thousand-versus-million bars beside it.

const COLOURS = ['#7f7f7f', '#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2'];
const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const kilo = (n) => (n >= 1000 ? `${+(n / 1000).toFixed(1)}k` : n.toFixed(0));

function niceMax(value) {
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(value, 1)));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= value) ?? value;
}

/** One grouped bar panel at (x, y) of the given size; groups: [{ label, bars: [{ series, value, note? }] }]. */
function panel({ x, y, width, height, title, groups, series }) {
  const top = 28;
  const bottom = 34;
  const left = 52;
  const plotH = height - top - bottom;
  const plotW = width - left - 8;
  const max = niceMax(Math.max(...groups.flatMap((g) => g.bars.map((b) => b.value)), 1));
  const parts = [`<text x="${x + left}" y="${y + 16}" class="title">${escape(title)}</text>`];
  for (let i = 0; i <= 4; i += 1) {
    const gy = y + top + plotH - (plotH * i) / 4;
    parts.push(`<line x1="${x + left}" x2="${x + left + plotW}" y1="${gy}" y2="${gy}" class="grid"/>`,
      `<text x="${x + left - 6}" y="${gy + 4}" class="axis" text-anchor="end">${kilo((max * i) / 4)}</text>`);
  }
  const groupW = plotW / groups.length;
  const barW = Math.max(4, (groupW - 14) / series.length);
  groups.forEach((group, gi) => {
    const gx = x + left + gi * groupW + 7;
    group.bars.forEach((bar) => {
      const si = series.indexOf(bar.series);
      const h = (plotH * bar.value) / max;
      const bx = gx + si * barW;
      const by = y + top + plotH - h;
      parts.push(`<rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLOURS[si % COLOURS.length]}"><title>${escape(`${bar.series}, ${group.label}: ${bar.value.toFixed(0)} req/s${bar.note ? `, ${bar.note}` : ''}`)}</title></rect>`);
      if (barW >= 14) {
        parts.push(`<text x="${(bx + (barW - 2) / 2).toFixed(1)}" y="${(by - 3).toFixed(1)}" class="value" text-anchor="middle">${kilo(bar.value)}</text>`);
      }
    });
    parts.push(`<text x="${(gx + (groupW - 14) / 2).toFixed(1)}" y="${y + top + plotH + 16}" class="axis" text-anchor="middle">${escape(group.label)}</text>`);
  });
  // Legend entries side by side, each as wide as its label (about 6.5 px a character at 11 px).
  const legendX = series.map((_, si) => series.slice(0, si).reduce((w, name) => w + 24 + name.length * 6.5, 0));
  series.forEach((name, si) => {
    const lx = x + left + legendX[si];
    parts.push(`<rect x="${lx}" y="${y + height - 12}" width="10" height="10" fill="${COLOURS[si % COLOURS.length]}"/>`,
      `<text x="${lx + 14}" y="${y + height - 3}" class="axis">${escape(name)}</text>`);
  });
  return parts.join('\n');
}

export function resultsChart({ runs, growth, caption }) {
  const series = [...new Set(runs.map((r) => r.target))];
  const groupKeys = [...new Set(runs.map((r) => `${r.op} @${r.connections}`))];
  const groups = groupKeys.map((label) => ({
    label,
    bars: runs.filter((r) => `${r.op} @${r.connections}` === label)
      .map((r) => ({ series: r.target, value: r.rps, note: `p99 ${r.p99Ms.toFixed(1)} ms, ×${r.ratio.toFixed(2)} baseline` })),
  }));
  const width = 980;
  const mainH = 340;
  const growthH = growth?.length ? 260 : 0;
  const height = 40 + mainH + growthH + 10;
  const body = [panel({ x: 10, y: 36, width: width - 20, height: mainH, title: 'requests/s by operation and connections', groups, series })];
  if (growth?.length) {
    const sizes = [...new Set(growth.map((r) => r.storedOrders))].sort((a, b) => a - b).map((s) => `${s.toLocaleString('en')} orders stored`);
    const growthGroups = [...new Set(growth.map((r) => r.op))].map((op) => ({
      label: `${op} @${growth[0].connections}`,
      bars: growth.filter((r) => r.op === op)
        .map((r) => ({ series: `${r.storedOrders.toLocaleString('en')} orders stored`, value: r.rps, note: `p99 ${r.p99Ms.toFixed(1)} ms` })),
    }));
    body.push(panel({ x: 10, y: 40 + mainH, width: 560, height: growthH, title: 'growth run (embedded): requests/s', groups: growthGroups, series: sizes }));
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">
<style>.title{font-size:14px;font-weight:bold}.axis{font-size:11px;fill:#333}.value{font-size:9px;fill:#333}.grid{stroke:#ddd}.caption{font-size:11px;fill:#555}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="20" y="20" class="title">AvaKart order service benchmark</text>
<text x="20" y="34" class="caption">${escape(caption)}</text>
${body.join('\n')}
</svg>
`;
}
