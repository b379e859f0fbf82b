// Markdown for one model's quality run: best split per method and target, our bits/byte
// beside the PyTorch reference's (anchors) for the same cell.
import type { AnchorCell, AnchorModel } from './anchors';
import type { ModelQuality, QualityCell } from './quality';

const pct = (r: number) => `${Math.round(r * 100)}%`;
const fmtPpl = (p: number) => (p >= 1e4 ? p.toExponential(2) : p.toPrecision(4));

function ours(c: QualityCell | null): string {
  if (!c) return 'n/a';
  const split = c.method === 'depth' ? `${c.layers} layers` : `s=${c.share}${c.method === 'auto' ? ` ${c.order === 'frequency' ? 'freq' : 'id'}` : ''}`;
  const off = Math.abs(c.reduction! - c.r) > 0.005 ? ` [${(c.reduction! * 100).toFixed(1)}%]` : '';
  return `**${c.bits_per_byte!.toFixed(4)}** / ${fmtPpl(c.ppl!)} ${split}${off}`;
}

function ref(a: AnchorCell | null | undefined): string {
  if (a === undefined) return '';
  if (a === null) return '<br>ref n/a';
  return `<br>ref ${a.bpb.toFixed(4)}${a.share !== null ? ` s=${a.share}` : ` ${a.layers} layers`}`;
}

export function modelMarkdown(q: ModelQuality, anchors: AnchorModel | null): string {
  const rs = Object.keys(Object.values(q.best)[0] ?? {});
  const lines: string[] = [];
  const refDense = anchors ? ` (reference ${anchors.denseBpb.toFixed(4)} / ${anchors.densePpl.toFixed(2)})` : '';
  lines.push(`### ${q.model}`, '');
  lines.push(
    `${q.params.total.toLocaleString('en-US')} params (embed ${q.params.embedding.toLocaleString('en-US')}, lm_head ${q.params.lmHead.toLocaleString('en-US')}, ` +
      `attn ${q.params.attention.toLocaleString('en-US')}, ffn ${q.params.ffn.toLocaleString('en-US')}); one vocab row ${q.costs.rowCost} params, one FFN channel ${q.costs.channelCost}; ${q.costs.removableRows} removable rows.`,
    '',
    `Dense: **${q.dense.bits_per_byte.toFixed(4)} bits/byte**, ppl ${q.dense.ppl.toFixed(3)}${refDense}; ${q.dense.windows} windows, ${q.dense.bytes} bytes predicted. ` +
      `Calibration ${q.calibration.tokens} tokens (${q.calibration.distinctTokens} distinct) in ${q.calibration.seconds.toFixed(1)} s; whole run ${q.seconds.toFixed(0)} s.`,
    '',
  );
  if (q.blockInfluence) {
    lines.push(`Block influence (ours): ${q.blockInfluence.map((b) => b.toFixed(4)).join(', ')}${anchors?.blockInfluence ? `; reference: ${anchors.blockInfluence.map((b) => b.toFixed(4)).join(', ')}` : ''}.`, '');
  }
  lines.push('Cells: **bits/byte** / token ppl, best split s (vocabulary share of the removed parameters), achieved reduction in brackets when it differs from the target by more than 0.5 points; `ref` = the PyTorch reference\'s best cell.', '');
  lines.push(`| method | ${rs.map((r) => pct(Number(r))).join(' | ')} |`, `|---|${rs.map(() => '---').join('|')}|`);
  for (const [method, byR] of Object.entries(q.best)) {
    const a = anchors?.best[method];
    lines.push(`| ${method} | ${rs.map((r) => `${ours(byR[r])}${anchors && method !== 'auto' ? ref(a ? (a[r] ?? null) : null) : ''}`).join(' | ')} |`);
  }
  lines.push('');
  lines.push(`Lowest bits/byte per target: ${rs.map((r) => {
    let best: QualityCell | null = null;
    for (const byR of Object.values(q.best)) {
      const c = byR[r];
      if (c && (!best || c.bits_per_byte! < best.bits_per_byte!)) best = c;
    }
    const ties = best ? Object.entries(q.best).filter(([, byR]) => byR[r] && Math.abs(byR[r]!.bits_per_byte! - best!.bits_per_byte!) < 5e-5).map(([m]) => m) : [];
    return `${pct(Number(r))}: ${best ? `${ties.join('/')} ${best.bits_per_byte!.toFixed(4)}` : 'n/a'}`;
  }).join('; ')}.`, '');
  return lines.join('\n');
}
