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
    const label = method === 'auto' ? 'auto (OPTIMISTIC: chosen on the evaluation text)' : method;
    lines.push(`| ${label} | ${rs.map((r) => `${ours(byR[r])}${anchors && a ? ref(a[r] ?? null) : ''}`).join(' | ')} |`);
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

/** The reference's lowest cell at reduction r over all its methods (extras included), chosen on the evaluation text. */
export function referenceBest(anchors: AnchorModel, r: string): { method: string; cell: AnchorCell } | null {
  let best: { method: string; cell: AnchorCell } | null = null;
  for (const [method, byR] of Object.entries(anchors.best)) {
    const c = byR[r];
    if (c && (!best || c.bpb < best.cell.bpb)) best = { method, cell: c };
  }
  return best;
}

/** Within this of the reference's best cell (or below it) counts as met (issue 11). */
export const TARGET_TOLERANCE = 0.005;

function targetCell(c: QualityCell | null | undefined, refBpb: number | null): string {
  if (!c || c.status !== 'ok') return 'n/a';
  const order = c.order === 'frequency' ? `freq/${c.countSpan ?? 'windows'}` : c.order;
  const delta = refBpb === null ? '' : ` (${c.bits_per_byte! - refBpb >= 0 ? '+' : ''}${(c.bits_per_byte! - refBpb).toFixed(4)}${c.bits_per_byte! - refBpb <= TARGET_TOLERANCE ? ' ✓' : ' ✗'})`;
  const sel = c.select_bits_per_byte !== undefined ? `; selection ${c.select_bits_per_byte.toFixed(4)} of ${c.candidates}` : '';
  return `**${c.bits_per_byte!.toFixed(4)}**${delta}<br>V'=${c.vocabKeep} I'=${c.ffnKeep} ${order} s=${c.share}${c.criterion ? ` ${c.criterion}` : ''}${sel}`;
}

/**
 * The issue-11 table for one model: per reduction, the reference's best cell (any method, chosen
 * on the evaluation text), each target method (chosen on the selection text) with its difference
 * to it, and the optimistic auto row when it ran.
 */
export function targetMarkdown(q: ModelQuality, anchors: AnchorModel | null): string {
  const rs = Object.keys(Object.values(q.best)[0] ?? {});
  const targets = Object.keys(q.best).filter((m) => q.cells.some((c) => c.method === m && c.select_bits_per_byte !== undefined));
  if (!targets.length) return '';
  const auto = 'auto' in q.best ? ['auto'] : [];
  const lines = [
    `#### ${q.model}: automatic allocation under the honest rule`,
    '',
    'Target methods choose among their candidates on the selection text (TinyStories after the evaluation span) and are reported on the evaluation span; ' +
      `the reference's best cell (and \`auto\`) are chosen on the evaluation span itself. ✓: within ${TARGET_TOLERANCE} bits/byte of the reference's best cell, or below it.`,
    '',
    `| fewer params | reference best (chosen on the evaluation text) | ${targets.map((t) => `\`${t}\``).join(' | ')}${auto.length ? ' | auto (OPTIMISTIC: chosen on the evaluation text) |' : ' |'}`,
    `|---|---|${targets.map(() => '---').join('|')}|${auto.map(() => '---|').join('')}`,
  ];
  for (const r of rs) {
    const ref = anchors ? referenceBest(anchors, r) : null;
    const refText = ref ? `${ref.cell.bpb.toFixed(4)}<br>${ref.method}${ref.cell.share !== null ? ` s=${ref.cell.share}` : ''}${ref.cell.vocabKeep ? ` V'=${ref.cell.vocabKeep} I'=${ref.cell.ffnKeep}` : ''}` : 'no reference';
    const cells = targets.map((t) => targetCell(q.best[t][r], ref?.cell.bpb ?? null));
    const autoCells = auto.map(() => targetCell(q.best.auto[r], ref?.cell.bpb ?? null));
    lines.push(`| ${pct(Number(r))} | ${refText} | ${[...cells, ...autoCells].join(' | ')} |`);
  }
  lines.push('');
  return lines.join('\n');
}
