import { useStudio } from '../store';
import { ProgressBar } from './ProgressBar';

export function LoadProgress() {
  const loading = useStudio((s) => s.model.status === 'loading');
  const label = useStudio((s) => s.model.label);
  const reopenNote = useStudio((s) => s.model.reopenNote);
  const load = useStudio((s) => s.load);
  if (!loading) return null;
  return (
    <section className="card" aria-live="polite" data-testid="load-card">
      <h2>Loading {label}</h2>
      {reopenNote && (
        <p className="note" data-testid="reopen-note">
          {reopenNote}
        </p>
      )}
      {load ? <ProgressBar progress={load} label="Streaming weights to the GPU" testId="load-progress" /> : <p className="muted">Starting the GPU…</p>}
    </section>
  );
}
