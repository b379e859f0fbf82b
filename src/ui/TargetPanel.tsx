// Target size: the engine's automatic allocation ((V', I') splits x vocabulary orders within a
// parameter budget, ranked on the held-out text), the Pareto front, click to apply (order included).
import { useMemo } from 'react';
import { studioStore, useStudio } from '../store';
import { paretoFront } from '../store/derive';
import { rankingLabel, sweepStaleReasons } from '../store/stale';
import type { SweepPoint } from '../engine/types';
import { ParetoChart } from './charts/lazy';
import { ProgressBar } from './ProgressBar';
import { CancelButton, CancelledNote } from './CancelButton';
import { formatCount, percent } from './format';

export function TargetPanel() {
  const original = useStudio((s) => s.plan.original);
  const fraction = useStudio((s) => s.settings.targetFraction);
  const sweep = useStudio((s) => s.sweep);
  const sliders = useStudio((s) => s.settings.sliders);
  const order = useStudio((s) => s.settings.calibration.vocabOrder);
  const span = useStudio((s) => s.settings.calibration.countSpan ?? 'text');
  const front = useMemo(() => paretoFront(sweep.points), [sweep.points]);
  const stale = useStudio((s) => sweepStaleReasons(s).join('; '));
  if (!original) return null;
  const { updateSettings, findBestSplit, setSliders, updateCalibration } = studioStore.getState();
  const target = Math.round(original.params.total * fraction);
  const pct = Math.round(fraction * 100);
  const apply = async (p: SweepPoint) => {
    if (p.order !== order || (p.countSpan && p.countSpan !== span)) await updateCalibration({ vocabOrder: p.order, ...(p.countSpan ? { countSpan: p.countSpan } : {}) });
    await setSliders({ vocabKeep: p.vocabKeep, ffnKeep: p.ffnKeep });
  };
  const running = sweep.status === 'running';
  return (
    <section className="card" aria-labelledby="target-title">
      <h2 id="target-title">Or: find the best split for a size</h2>
      <div className="slider">
        <label htmlFor="target-size">Target size</label>
        <input
          id="target-size"
          data-testid="target-size"
          type="range"
          min={10}
          max={100}
          step={1}
          value={pct}
          aria-valuetext={`${formatCount(target)} parameters (${pct}%)`}
          onChange={(e) => updateSettings({ targetFraction: Number(e.target.value) / 100 })}
        />
        <output htmlFor="target-size" data-value={target}>
          {formatCount(target)} parameters ({pct}%)
        </output>
      </div>
      <div className="row">
        <button type="button" data-testid="find-best" disabled={running} onClick={() => void findBestSplit()}>
          {running ? 'Sweeping…' : 'Find best split'}
        </button>
        <span className="muted small">Evaluates (vocabulary, FFN) splits in every vocabulary ranking on the held-out text, on your GPU, and picks the lowest bits per byte.</span>
      </div>
      {running && (
        <div className="progress-row">
          <ProgressBar progress={sweep.progress} label="Sweep" />
          <CancelButton label="sweep" />
        </div>
      )}
      {!running && <CancelledNote operation="sweep" />}
      {stale && (
        <p className="note warn" data-testid="sweep-stale">
          This sweep ran under other settings: {stale}. Press "Find best split" again to sweep the current ones.
        </p>
      )}
      {sweep.points.length > 0 && (
        <>
          {sweep.mode && (
            <p className="muted small" data-testid="sweep-mode" data-mode={sweep.mode}>
              Compute mode: <span className="badge">{sweep.mode}</span> {sweep.mode === 'fast' ? 'f16 inputs, f32 sums on tensor cores: for ranking splits; the preview measures in exact mode.' : 'f32 math, as the preview and the export checks.'}
            </p>
          )}
          <ParetoChart points={sweep.points} front={front} best={sweep.best} targetParams={sweep.targetParams} onPick={(p) => void apply(p)} />
          <table className="table small" data-testid="sweep-table">
            <caption className="muted">Pareto front (click a row or a point to set the sliders)</caption>
            <thead>
              <tr>
                <th scope="col">Vocabulary</th>
                <th scope="col">FFN</th>
                <th scope="col">Order</th>
                <th scope="col">Parameters</th>
                <th scope="col">Bits per byte</th>
                <th scope="col">
                  <span className="sr-only">Apply</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {front.map((p) => {
                const isBest = p === sweep.best;
                const isCurrent = p.vocabKeep === sliders.vocabKeep && p.ffnKeep === sliders.ffnKeep && p.order === order && (!p.countSpan || p.countSpan === span);
                return (
                  <tr key={`${p.vocabKeep}-${p.ffnKeep}-${p.order}-${p.countSpan ?? ''}`} className={isBest ? 'best' : undefined}>
                    <td>{p.vocabKeep}</td>
                    <td>{p.ffnKeep}</td>
                    <td>{rankingLabel(p)}</td>
                    <td>
                      {formatCount(p.params)} ({percent(p.params, original.params.total, 0)})
                    </td>
                    <td>
                      {p.bits_per_byte.toFixed(4)} {isBest && <span className="badge">best</span>}
                    </td>
                    <td>
                      <button type="button" className="link" disabled={isCurrent} onClick={() => void apply(p)}>
                        {isCurrent ? 'current' : 'use'}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
      {sweep.status === 'done' && !sweep.best && <p className="muted">No split fits this budget; raise the target size.</p>}
    </section>
  );
}
