// Preview: original vs pruned on held-out text (never the calibration text), speed, GPU memory,
// and a greedy continuation from each. Numbers fill in as they are measured; the continuation
// streams in. Eval settings are exposed so a CLI run can reproduce the numbers.
import { studioStore, useStudio } from '../store';
import { HELDOUT_TEXT, type SideResult } from '../store/studio-store';
import { previewStaleReasons } from '../store/stale';
import { formatBytes, formatCount, weightsLabel } from './format';
import { ProgressBar } from './ProgressBar';
import { CancelButton, CancelledNote } from './CancelButton';

type Row = {
  label: string;
  pick: (r: SideResult) => number | null | undefined;
  show: (v: number) => string;
  better: 'low' | 'high';
  testId?: string;
  /** the reason this measure was not taken, if it was skipped */
  skipped?: (r: SideResult) => string | undefined;
};

const ROWS: Row[] = [
  { label: 'Perplexity (tokens)', pick: (r) => r.eval?.ppl, show: (v) => v.toFixed(3), better: 'low', testId: 'preview-ppl' },
  { label: 'Bits per byte', pick: (r) => r.eval?.bits_per_byte, show: (v) => v.toFixed(4), better: 'low', testId: 'preview-bpb' },
  { label: 'Prefill tokens/s', pick: (r) => r.latency?.prefillTokensPerSecond, show: (v) => v.toFixed(0), better: 'high', testId: 'preview-prefill', skipped: (r) => r.skipped.latency },
  {
    label: 'Decode ms/token',
    pick: (r) => (r.skipped.decode ? null : r.latency?.decodeMsPerToken),
    show: (v) => v.toFixed(2),
    better: 'low',
    testId: 'preview-decode',
    skipped: (r) => r.skipped.decode ?? r.skipped.latency,
  },
  { label: 'Weights', pick: (r) => r.weightBytes, show: formatBytes, better: 'low', testId: 'preview-weights' },
  { label: 'Parameters', pick: (r) => r.params, show: formatCount, better: 'low', testId: 'preview-params' },
];

function Cell({ row, r, running, original, tone }: { row: Row; r: SideResult | null; running: boolean; original?: boolean; tone?: string }) {
  const v = r ? row.pick(r) : null;
  const why = r && row.skipped?.(r);
  const testId = row.testId && (original ? `${row.testId}-original` : row.testId);
  if (v == null) {
    return (
      <td data-testid={testId} data-value="" className="muted" title={why || undefined}>
        {why ? 'needs resident model' : running ? '…' : '–'}
      </td>
    );
  }
  return (
    <td data-testid={testId} data-value={v} className={tone || undefined}>
      {row.show(v)}
    </td>
  );
}

function Continuation({ title, side, prompt, running, testId }: { title: string; side: SideResult | null; prompt: string; running: boolean; testId: string }) {
  const text = side?.continuation;
  const streaming = running && text != null && !side?.continuationDone;
  return (
    <figure>
      <figcaption>{title}</figcaption>
      <p className="continuation" data-testid={testId} data-done={side?.continuationDone ? 'true' : 'false'}>
        {side?.skipped.continuation ? (
          <span className="muted">Not generated. {side.skipped.continuation}</span>
        ) : text == null ? (
          '…'
        ) : (
          <>
            <span className="prompt">{prompt}</span>
            <span className="generated">{text}</span>
            {streaming && <span className="caret" aria-hidden="true" />}
          </>
        )}
      </p>
    </figure>
  );
}

export function PreviewPanel() {
  const hasPlan = useStudio((s) => s.plan.original != null);
  const evalOpts = useStudio((s) => s.settings.eval);
  const prompt = useStudio((s) => s.settings.prompt);
  const maxNew = useStudio((s) => s.settings.maxNewTokens);
  const preview = useStudio((s) => s.preview);
  const stale = useStudio((s) => previewStaleReasons(s).join('; '));
  const skippedNote = useStudio((s) => s.preview.pruned?.skipped.decode ?? s.preview.pruned?.skipped.continuation ?? null);
  const skipped = useStudio((s) => {
    const k = s.preview.pruned?.skipped ?? {};
    return [k.latency ? 'prefill and decode speed' : k.decode ? 'decode speed' : '', k.continuation ? 'the continuation' : ''].filter(Boolean).join(' and ');
  });
  const mode = useStudio((s) => s.model.summary?.placement.mode);
  const resident = mode !== 'streamed';
  if (!hasPlan) return null;
  const { runPreview, updateEval, updateSettings } = studioStore.getState();
  const running = preview.status === 'running';
  const { original, pruned, memory } = preview;
  return (
    <section className="card" aria-labelledby="preview-title">
      <h2 id="preview-title">3 · Preview</h2>
      <div className="form-grid">
        <label>
          Held-out tokens
          <input type="number" min={32} step={32} value={evalOpts.tokens} data-testid="preview-tokens" onChange={(e) => updateEval({ tokens: Math.max(32, Number(e.target.value) || 32) })} />
        </label>
        <label>
          Window (tokens)
          <input type="number" min={8} step={8} value={evalOpts.seq} data-testid="preview-seq" onChange={(e) => updateEval({ seq: Math.max(8, Number(e.target.value) || 8) })} />
        </label>
        <label className="wide">
          Prompt
          <input type="text" value={prompt} data-testid="preview-prompt" onChange={(e) => updateSettings({ prompt: e.target.value })} />
        </label>
        <label>
          New tokens
          <input type="number" min={1} max={256} value={maxNew} onChange={(e) => updateSettings({ maxNewTokens: Math.min(256, Math.max(1, Number(e.target.value) || 1)) })} />
        </label>
      </div>
      <div className="row">
        <button type="button" className="primary" data-testid="preview" disabled={running} onClick={() => void runPreview()}>
          {running ? 'Measuring…' : 'Preview'}
        </button>
        {running && <CancelButton label="preview" />}
        {!running && <CancelledNote operation="preview" />}
        <span className="muted small" aria-live="polite" data-testid="preview-step">
          {running ? preview.step : `Held-out text: ${HELDOUT_TEXT}, first ${evalOpts.tokens} tokens in windows of ${evalOpts.seq}, no BOS.`}
        </span>
      </div>
      {running && preview.progress && <ProgressBar progress={preview.progress} label="Preview" />}
      {stale && (
        <p className="note warn" data-testid="preview-stale">
          This preview was measured for other settings: {stale}. Press Preview to measure the current ones.
        </p>
      )}
      {original && (
        <table className="table compare" data-testid="preview-table" data-status={preview.status} data-tokens={preview.evalOptions?.tokens} data-seq={preview.evalOptions?.seq}>
          <thead>
            <tr>
              <th scope="col">
                <span className="sr-only">Measure</span>
              </th>
              <th scope="col">Original</th>
              <th scope="col">Pruned {preview.forRequest && <span className="muted small">(V′ {preview.forRequest.vocabKeep}, I′ {preview.forRequest.ffnKeep})</span>}</th>
            </tr>
          </thead>
          <tbody>
            {ROWS.map((row) => {
              const label = row.testId === 'preview-weights' ? weightsLabel(mode) : row.label;
              const a = row.pick(original);
              const b = pruned ? row.pick(pruned) : null;
              const tone = a != null && b != null ? ((row.better === 'low' ? b > a : b < a) ? 'worse' : 'better') : '';
              return (
                <tr key={row.label}>
                  <th scope="row">{label}</th>
                  <Cell row={row} r={original} running={running} original />
                  <Cell row={row} r={pruned} running={running} tone={tone} />
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {skippedNote && (
        <p className="note" data-testid="preview-skipped">
          Not measured here: {skipped}. {skippedNote} Raise the GPU memory budget (top of the page) to measure them; the rest is measured streamed.
        </p>
      )}
      {pruned?.latency?.note && (
        <p className="muted small" data-testid="preview-speed-note">
          Speed: {pruned.latency.note}.
        </p>
      )}
      {memory && (
        <p className="muted small" data-testid="preview-memory" data-allocated={memory.allocatedBytes} data-peak={memory.peakBytes}>
          GPU memory the engine holds with this preview built: {formatBytes(memory.allocatedBytes)}{resident ? ' (the original model, and the pruned model’s own embedding and FFN tensors; attention and norms are shared)' : ''}; peak while previewing {formatBytes(memory.peakBytes)}.
        </p>
      )}
      {original && (
        <div className="grid-2 continuations">
          <Continuation title="Original" side={original} prompt={preview.prompt} running={running} testId="continuation-original" />
          <Continuation title="Pruned" side={pruned} prompt={preview.prompt} running={running} testId="continuation-pruned" />
        </div>
      )}
    </section>
  );
}
