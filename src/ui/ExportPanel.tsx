// Export: into a folder the user picks (where the browser can), or a .zip streamed into a file
// the user picks (else downloaded when complete); then a summary of what changed.
import { studioStore, useStudio } from '../store';
import { zipFileName } from '../store/studio-store';
import { directoryPicker, downloadBlob, isPickerAbort, savePicker } from './download';
import { ProgressBar } from './ProgressBar';
import { CancelButton, CancelledNote } from './CancelButton';
import { formatBytes, formatCount, percent } from './format';

export function ExportPanel() {
  const hasPlan = useStudio((s) => s.plan.current != null);
  const mode = useStudio((s) => s.settings.exportMode);
  const exported = useStudio((s) => s.exported);
  const label = useStudio((s) => s.model.summary?.label ?? 'model');
  if (!hasPlan) return null;
  const { exportModel, updateSettings, reportError } = studioStore.getState();
  const picker = directoryPicker();
  const effective = picker ? mode : 'zip';
  const running = exported.status === 'running';

  const onExport = async () => {
    if (effective === 'folder' && picker) {
      let dir: FileSystemDirectoryHandle;
      try {
        dir = await picker({ mode: 'readwrite', id: 'compact-export' });
      } catch (e) {
        if (!isPickerAbort(e)) reportError({ kind: 'file', message: `Could not open the folder: ${String(e)}`, fix: 'Pick an empty folder you can write to, or choose ".zip".' });
        return;
      }
      await exportModel({ dir });
      return;
    }
    // The zip streams into a file the user picks where the browser can; else it downloads when done.
    const save = savePicker();
    if (save) {
      let zipFile: FileSystemFileHandle;
      try {
        zipFile = await save({ suggestedName: zipFileName(label), id: 'compact-export-zip', types: [{ description: 'Zip archive', accept: { 'application/zip': ['.zip'] } }] });
      } catch (e) {
        if (!isPickerAbort(e)) reportError({ kind: 'file', message: `Could not open the file to save into: ${String(e)}`, fix: 'Pick a file name in a folder you can write to.' });
        return;
      }
      await exportModel({ zipFile });
      return;
    }
    const out = await exportModel();
    if (out) downloadBlob(out.zip, out.fileName);
  };

  const s = exported.summary;
  return (
    <section className="card" aria-labelledby="export-title">
      <h2 id="export-title">4 · Export</h2>
      <fieldset>
        <legend>Save as</legend>
        <label className="inline">
          <input type="radio" name="export-mode" value="folder" disabled={!picker} checked={effective === 'folder'} onChange={() => updateSettings({ exportMode: 'folder' })} /> A folder on disk{!picker && ' (not available in this browser)'}
        </label>
        <label className="inline">
          <input type="radio" name="export-mode" value="zip" data-testid="export-zip" checked={effective === 'zip'} onChange={() => updateSettings({ exportMode: 'zip' })} /> A .zip file
          <span className="muted small">{savePicker() ? '(written into the file you pick as it is made)' : '(downloaded when complete)'}</span>
        </label>
      </fieldset>
      <div className="row">
        <button type="button" className="primary" data-testid="export" disabled={running} onClick={() => void onExport()}>
          {running ? 'Exporting…' : 'Export pruned model'}
        </button>
      </div>
      {running && (
        <div className="progress-row">
          <ProgressBar progress={exported.progress} label="Export" />
          <CancelButton label="export" />
        </div>
      )}
      {!running && <CancelledNote operation="export" />}
      {s && exported.status === 'done' && (
        <div className="summary" data-testid="export-summary">
          <p>
            Saved {exported.fileName}: vocabulary {s.vocabSize.toLocaleString('en-US')}, FFN {s.intermediateSize.toLocaleString('en-US')}; parameters{' '}
            {formatCount(s.paramsBefore.total)} → {formatCount(s.paramsAfter.total)} ({percent(s.paramsAfter.total, s.paramsBefore.total)}).
          </p>
          <p className="muted small">
            Vocabulary kept: {s.keptByReason.special} special, {s.keptByReason.byte} byte, {s.keptByReason.ranked} ranked, {s.keptByReason.closure} for merge closure.
          </p>
          <ul className="files">
            {s.files.map((f) => (
              <li key={f.name}>
                <span>{f.name}</span> <span className="muted">{formatBytes(f.size)}</span>
              </li>
            ))}
          </ul>
          {s.notes.length > 0 && (
            <ul className="notes">
              {s.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
