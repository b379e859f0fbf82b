// A plain SVG line chart (no dependencies): parameters removed (%) vs bits per byte,
// one line per method (its best cell per target), the dense model as a dashed line.
// The y axis is logarithmic: id-order failures reach 20-30 bits/byte beside 1-2.
import type { ModelQuality } from './quality';

export interface Series {
  name: string;
  points: { x: number; y: number }[]; // x: % removed, y: bits/byte
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#000000'];
const TICKS = [0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 7, 10, 15, 20, 30, 50];

export function seriesOf(q: ModelQuality): Series[] {
  return Object.entries(q.best).map(([name, byR]) => ({
    name,
    points: Object.values(byR)
      .filter((c): c is NonNullable<typeof c> => c !== null)
      .map((c) => ({ x: c.reduction! * 100, y: c.bits_per_byte! }))
      .sort((a, b) => a.x - b.x),
  })).filter((s) => s.points.length > 0);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function lineChartSvg(title: string, series: Series[], denseY: number, width = 820, height = 480): string {
  const m = { left: 60, right: 190, top: 36, bottom: 48 };
  const W = width - m.left - m.right;
  const H = height - m.top - m.bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = [denseY, ...series.flatMap((s) => s.points.map((p) => p.y))];
  const xMax = Math.max(10, Math.ceil(Math.max(...xs, 0) / 10) * 10);
  const yMin = Math.min(...ys) * 0.95;
  const yMax = Math.max(...ys) * 1.05;
  const X = (x: number) => m.left + (x / xMax) * W;
  const Y = (y: number) => m.top + H - ((Math.log(y) - Math.log(yMin)) / (Math.log(yMax) - Math.log(yMin))) * H;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${m.left}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`);
  // grid and axes
  for (let x = 0; x <= xMax; x += 10) {
    out.push(`<line x1="${X(x)}" y1="${m.top}" x2="${X(x)}" y2="${m.top + H}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${X(x)}" y="${m.top + H + 16}" text-anchor="middle">${x}</text>`);
  }
  for (const t of TICKS.filter((t) => t >= yMin && t <= yMax)) {
    out.push(`<line x1="${m.left}" y1="${Y(t)}" x2="${m.left + W}" y2="${Y(t)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${Y(t) + 4}" text-anchor="end">${t}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${W}" height="${H}" fill="none" stroke="#444"/>`);
  out.push(`<text x="${m.left + W / 2}" y="${height - 10}" text-anchor="middle">parameters removed (%)</text>`);
  out.push(`<text transform="translate(16 ${m.top + H / 2}) rotate(-90)" text-anchor="middle">bits per byte (log scale)</text>`);
  // dense reference
  out.push(`<line x1="${m.left}" y1="${Y(denseY)}" x2="${m.left + W}" y2="${Y(denseY)}" stroke="#000" stroke-dasharray="5 4"/>`);
  out.push(`<text x="${m.left + 6}" y="${Y(denseY) - 5}">dense ${denseY.toFixed(3)}</text>`);
  // series, legend
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const pts = s.points.map((p) => `${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"/>`);
    for (const p of s.points) out.push(`<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="3" fill="${c}"/>`);
    const ly = m.top + 24 + i * 18;
    out.push(`<line x1="${m.left + W + 8}" y1="${ly}" x2="${m.left + W + 28}" y2="${ly}" stroke="${c}" stroke-width="2"/>`);
    out.push(`<text x="${m.left + W + 34}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
