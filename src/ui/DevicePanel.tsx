// The GPU line and the GPU memory budget: empty is the engine's default; a size like "2GiB".
// Applying a new budget to a loaded model opens it again (said before and while it happens).
import { useEffect, useState, type FormEvent } from 'react';
import { studioStore, useStudio } from '../store';
import { BYTE_SIZE_EXAMPLES } from '../store/settings';
import { formatBytes } from './format';

export function DevicePanel() {
  const device = useStudio((s) => s.model.device);
  const budget = useStudio((s) => s.settings.gpuMemory);
  const label = useStudio((s) => s.model.label);
  const current = useStudio((s) => s.model.summary?.placement ?? null);
  const noAdapter = useStudio((s) => !s.model.device && (s.error?.kind === 'no-webgpu' || s.error?.kind === 'adapter'));
  const [draft, setDraft] = useState(budget);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setDraft(budget), [budget]);
  const dirty = draft.trim() !== budget;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const r = studioStore.getState().setGpuBudget(draft);
    setProblem(r.ok ? null : r.message);
  };

  const help = problem
    ? problem
    : dirty && label
      ? `Applying opens ${label} again under the new budget: calibration and preview start over (settings are kept).`
      : `Empty: the engine's default, a safe share of what the adapter allows. Or a size, like ${BYTE_SIZE_EXAMPLES}. A model that does not fit runs streamed, layer by layer.`;

  return (
    <section className="card device" aria-label="GPU" data-testid="device-panel">
      <p className="device-line" data-testid="device-line">
        <strong>GPU</strong>{' '}
        {device ? (
          <>
            {[device.vendor, device.architecture, device.description].filter(Boolean).join(' ') || 'unknown adapter'}
            {device.isFallbackAdapter && ' (software fallback)'} · max buffer {formatBytes(device.maxBufferSize)} · max binding {formatBytes(device.maxStorageBufferBindingSize)}
          </>
        ) : (
          <span className="muted">{noAdapter ? 'no usable WebGPU adapter (see the message above)' : 'looking for a WebGPU adapter…'}</span>
        )}
      </p>
      <form className="budget" onSubmit={onSubmit} noValidate>
        <label htmlFor="gpu-budget">GPU memory budget</label>
        <input
          id="gpu-budget"
          type="text"
          inputMode="text"
          autoComplete="off"
          spellCheck={false}
          placeholder="default"
          value={draft}
          data-testid="gpu-budget"
          aria-invalid={problem != null}
          aria-describedby="gpu-budget-help"
          onChange={(e) => {
            setDraft(e.target.value);
            setProblem(null);
          }}
        />
        <button type="submit" data-testid="gpu-budget-apply" disabled={!dirty}>
          {label ? 'Apply and re-open' : 'Apply'}
        </button>
        {current && (
          <span className="muted small" data-testid="gpu-budget-current">
            {Number.isFinite(current.budgetBytes)
              ? `${label} is open under ${formatBytes(current.budgetBytes)} (${current.budgetSource}).`
              : `${label} is open with no GPU memory limit (${current.budgetSource}).`}
          </span>
        )}
      </form>
      <p id="gpu-budget-help" className={problem ? 'field-error' : 'muted small'} role={problem ? 'alert' : undefined} data-testid="gpu-budget-message">
        {help}
      </p>
    </section>
  );
}
