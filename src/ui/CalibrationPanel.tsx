// Calibration: which text, how much of it, vocabulary order, FFN criterion, merge closure.
// Order, criterion and closure apply to a calibrated model at once; samples, tokens per sample
// and the text need a new pass, and the panel says so until it ran.
import { studioStore, useStudio } from '../store';
import { CALIBRATION_TEXT } from '../store/studio-store';
import { CRITERION_LABELS, ORDER_LABELS, pendingCalibration, unappliedOptions } from '../store/stale';
import type { Criterion, VocabOrder } from '../engine/types';
import { modeDetail } from './format';
import { ProgressBar } from './ProgressBar';
import { CancelButton, CancelledNote } from './CancelButton';

export function CalibrationPanel() {
  const ready = useStudio((s) => s.model.status === 'ready');
  const opts = useStudio((s) => s.settings.calibration);
  const cal = useStudio((s) => s.calibration);
  const pending = useStudio((s) => pendingCalibration(s.calibration, s.settings).join(', '));
  const applying = useStudio((s) => unappliedOptions(s.calibration, s.settings).join(', '));
  const { updateCalibration, calibrate, useCustomText, useDefaultText } = studioStore.getState();
  if (!ready) return null;
  const running = cal.status === 'running';
  const custom = cal.textName !== CALIBRATION_TEXT;

  const onFile = async (file: File | undefined) => {
    if (file) useCustomText(file.name, await file.text());
  };

  return (
    <section className="card" aria-labelledby="cal-title">
      <h2 id="cal-title">1 · Calibrate</h2>
      <fieldset>
        <legend>Text</legend>
        <label className="inline">
          <input type="radio" name="cal-text" checked={!custom} onChange={useDefaultText} /> Built-in English text
        </label>
        <label className="inline">
          <input type="radio" name="cal-text" checked={custom} readOnly onClick={() => document.getElementById('cal-file')?.click()} /> My own file (.txt, .md, .jsonl)
        </label>
        <input id="cal-file" type="file" accept=".txt,.md,.markdown,.jsonl,text/plain" className="file-input" aria-label="Calibration text file" onChange={(e) => void onFile(e.target.files?.[0])} />
        {custom && <p className="muted small">Using {cal.textName} ({cal.textChars.toLocaleString('en-US')} characters).</p>}
      </fieldset>
      <div className="form-grid">
        <label>
          Samples
          <input type="number" min={1} max={1024} value={opts.samples} data-testid="cal-samples" onChange={(e) => void updateCalibration({ samples: Math.max(1, Number(e.target.value) || 1) })} />
        </label>
        <label>
          Tokens per sample
          <input type="number" min={16} max={8192} step={16} value={opts.sampleTokens} data-testid="cal-tokens" onChange={(e) => void updateCalibration({ sampleTokens: Math.max(16, Number(e.target.value) || 16) })} />
        </label>
        <label>
          Vocabulary order
          <select value={opts.vocabOrder} data-testid="cal-order" onChange={(e) => void updateCalibration({ vocabOrder: e.target.value as VocabOrder })}>
            {(Object.keys(ORDER_LABELS) as VocabOrder[]).map((k) => (
              <option key={k} value={k}>
                {ORDER_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <label>
          FFN criterion
          <select value={opts.criterion} data-testid="cal-criterion" onChange={(e) => void updateCalibration({ criterion: e.target.value as Criterion })}>
            {(Object.keys(CRITERION_LABELS) as Criterion[]).map((k) => (
              <option key={k} value={k}>
                {CRITERION_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label className="inline">
        <input type="checkbox" checked={opts.closure} data-testid="cal-closure" onChange={(e) => void updateCalibration({ closure: e.target.checked })} /> Merge closure (keep the two tokens every kept merge is built from)
      </label>
      <p className="note">
        The paper keeps the lowest token ids without closure. That breaks SentencePiece vocabularies (Llama-2, Gemma), whose single characters sit at the top of the id range; closure keeps tokenization intact. On GPT-2-style vocabularies it changes nothing.
        {cal.result && ' Vocabulary order, FFN criterion and merge closure apply to the calibrated model at once; samples, tokens per sample and the text need a new calibration.'}
      </p>
      {applying && (
        <p className="muted small" role="status" data-testid="options-applying">
          Applying to the calibrated model: {applying}…
        </p>
      )}
      {pending && !running && (
        <p className="note warn" role="status" data-testid="calibration-pending">
          Changed since the last calibration: {pending}. Calibrate again to use them; until then the sizes, preview and export use the last calibration.
        </p>
      )}
      <div className="row">
        <button type="button" className="primary" data-testid="calibrate" disabled={running} onClick={() => void calibrate()}>
          {running ? 'Calibrating…' : cal.result ? 'Calibrate again' : 'Calibrate'}
        </button>
        {!running && <CancelledNote operation="calibrate" />}
        {cal.result && !running && (
          <span className="muted" data-testid="calibration-result">
            {cal.result.tokens.toLocaleString('en-US')} tokens · {cal.result.distinctTokens} distinct · {(cal.result.ms / 1000).toFixed(1)} s ({Math.round(cal.result.tokensPerSecond)} tokens/s) · smallest legal vocabulary {cal.result.minVocab}
          </span>
        )}
      </div>
      {cal.result && !running && (
        <p className="muted small" data-testid="calibration-mode" data-mode={cal.result.mode}>
          Compute mode: <span className="badge">{cal.result.mode}</span> {modeDetail(cal.result.mode, cal.result.modeNote)}
        </p>
      )}
      {running && (
        <div className="progress-row">
          <ProgressBar progress={cal.progress} label="Calibration" />
          <CancelButton label="calibration" />
        </div>
      )}
    </section>
  );
}
