// The trade-off: vocabulary rows and FFN channels kept, with live totals and the pruned model's bar.
import { studioStore, useStudio } from '../store';
import { StackedParamsBar } from './charts/lazy';
import { formatBytes, formatCount, percent, weightsLabel } from './format';

interface SliderProps {
  id: string;
  label: string;
  value: number;
  min: number;
  max: number;
  onChange: (v: number) => void;
}

function KeepSlider({ id, label, value, min, max, onChange }: SliderProps) {
  const text = `${value.toLocaleString('en-US')} of ${max.toLocaleString('en-US')} (${percent(value, max)})`;
  return (
    <div className="slider">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="range" data-testid={id} min={min} max={max} step={1} value={value} aria-valuetext={text} onChange={(e) => onChange(Number(e.target.value))} />
      <output htmlFor={id} data-testid={`${id}-value`} data-value={value}>
        {text}
      </output>
    </div>
  );
}

export function TradeoffPanel() {
  const summary = useStudio((s) => s.model.summary);
  const minVocab = useStudio((s) => s.calibration.result?.minVocab ?? null);
  const sliders = useStudio((s) => s.settings.sliders);
  const original = useStudio((s) => s.plan.original);
  const current = useStudio((s) => s.plan.current);
  if (!summary || minVocab == null || sliders.vocabKeep == null || sliders.ffnKeep == null) return null;
  const { setSliders } = studioStore.getState();
  const totals: [string, string, number | undefined, number | undefined][] = [
    ['Parameters', 'pruned-params', current?.params.total, original?.params.total],
    ['File size', 'pruned-file', current?.fileBytes, original?.fileBytes],
    [weightsLabel(summary.placement.mode), 'pruned-gpu', current?.gpuBytes, original?.gpuBytes],
  ];
  return (
    <section className="card" aria-labelledby="trade-title">
      <h2 id="trade-title">2 · Choose the size</h2>
      <KeepSlider id="vocab-keep" label="Vocabulary kept" value={sliders.vocabKeep} min={minVocab} max={summary.vocabSize} onChange={(v) => void setSliders({ vocabKeep: v })} />
      <KeepSlider id="ffn-keep" label="FFN channels kept (every layer)" value={sliders.ffnKeep} min={1} max={summary.intermediate} onChange={(v) => void setSliders({ ffnKeep: v })} />
      <div className="totals" aria-live="polite">
        {totals.map(([name, id, now, before]) => (
          <div key={id} className="total">
            <span className="muted">{name}</span>
            <strong data-testid={id} data-value={now ?? ''} data-original={before ?? ''}>
              {now == null ? '…' : id === 'pruned-params' ? formatCount(now) : formatBytes(now)}
            </strong>
            <span className="muted small">
              {now != null && before ? `${percent(now, before)} of ${id === 'pruned-params' ? formatCount(before) : formatBytes(before)}` : ''}
            </span>
          </div>
        ))}
      </div>
      {current && (
        <p className="muted small" data-testid="kept-by-reason">
          Vocabulary kept: {current.keptByReason.special} special, {current.keptByReason.byte} byte, {current.keptByReason.ranked} ranked, {current.keptByReason.closure} for merge closure.
        </p>
      )}
      {current && original && <StackedParamsBar original={original.params} pruned={current.params} />}
    </section>
  );
}
