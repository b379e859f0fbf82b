// Preview: original vs pruned on held-out text (never the calibration text), speed, memory, and
// a greedy continuation from each. Eval settings are exposed so a CLI run can reproduce the numbers.
import { studioStore, useStudio } from '../store';
import { HELDOUT_TEXT, type SideResult } from '../store/studio-store';
import { formatBytes, formatCount } from './format';
import { CancelButton, CancelledNote } from './CancelButton';

type Row = [label: string, pick: (r: SideResult) => number, show: (v: number) => string, better: 'low' | 'high', testId?: string];

const ROWS: Row[] = [
  ['Perplexity (tokens)', (r) => r.eval.ppl, (v) => v.toFixed(3), 'low', 'preview-ppl'],
  ['Bits per byte', (r) => r.eval.bits_per_byte, (v) => v.toFixed(4), 'low', 'preview-bpb'],
  ['Prefill tokens/s', (r) => r.latency.prefillTokensPerSecond, (v) => v.toFixed(0), 'high'],
  ['Decode ms/token', (r) => r.latency.decodeMsPerToken ?? NaN, (v) => (Number.isNaN(v) ? 'needs the model resident' : v.toFixed(2)), 'low'],
  ['GPU memory (weights, f32)', (r) => r.gpuBytes, formatBytes, 'low'],
  ['Parameters', (r) => r.params, formatCount, 'low'],
];

export function PreviewPanel() {
  const hasPlan = useStudio((s) => s.plan.original != null);
  const evalOpts = useStudio((s) => s.settings.eval);
  const prompt = useStudio((s) => s.settings.prompt);
  const maxNew = useStudio((s) => s.settings.maxNewTokens);
  const preview = useStudio((s) => s.preview);
  const sliders = useStudio((s) => s.settings.sliders);
  if (!hasPlan) return null;
  const stale = preview.forRequest != null && (preview.forRequest.vocabKeep !== sliders.vocabKeep || preview.forRequest.ffnKeep !== sliders.ffnKeep);
  const { runPreview, updateEval, updateSettings } = studioStore.getState();
  const running = preview.status === 'running';
  const { original, pruned } = preview;
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
        <span className="muted small" aria-live="polite">
          {running ? preview.step : `Held-out text: ${HELDOUT_TEXT}, first ${evalOpts.tokens} tokens in windows of ${evalOpts.seq}, no BOS.`}
        </span>
      </div>
      {stale && !running && (
        <p className="note" data-testid="preview-stale">
          The sliders changed since this preview; press Preview to measure the new split.
        </p>
      )}
      {original && (
        <table className="table compare" data-testid="preview-table" data-tokens={preview.evalOptions?.tokens} data-seq={preview.evalOptions?.seq}>
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
            {ROWS.map(([label, pick, show, better, testId]) => {
              const a = pick(original);
              const b = pruned ? pick(pruned) : null;
              const worse = b != null && (better === 'low' ? b > a : b < a);
              return (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  <td data-testid={testId ? `${testId}-original` : undefined} data-value={a}>
                    {show(a)}
                  </td>
                  <td data-testid={testId} data-value={b ?? ''} className={b == null ? 'muted' : worse ? 'worse' : 'better'}>
                    {b == null ? (running ? '…' : '–') : show(b)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {original && (
        <div className="grid-2 continuations">
          <figure>
            <figcaption>Original</figcaption>
            <p className="continuation" data-testid="continuation-original">
              <span className="prompt">{preview.prompt}</span>
              {original.continuation}
            </p>
          </figure>
          <figure>
            <figcaption>Pruned</figcaption>
            <p className="continuation" data-testid="continuation-pruned">
              {pruned ? (
                <>
                  <span className="prompt">{preview.prompt}</span>
                  {pruned.continuation}
                </>
              ) : (
                '…'
              )}
            </p>
          </figure>
        </div>
      )}
    </section>
  );
}
