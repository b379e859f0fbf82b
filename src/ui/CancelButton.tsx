// Cancel for the running long call (shown beside its progress), and the short note it leaves.
import { studioStore, useStudio } from '../store';
import type { LongOperation } from '../store/studio-store';

export function CancelButton({ label }: { label: string }) {
  const cancelling = useStudio((s) => s.cancelling);
  return (
    <button type="button" data-testid="cancel" disabled={cancelling} aria-label={`Cancel ${label}`} onClick={() => studioStore.getState().cancel()}>
      {cancelling ? 'Cancelling…' : 'Cancel'}
    </button>
  );
}

export function CancelledNote({ operation }: { operation: LongOperation }) {
  const cancelled = useStudio((s) => s.cancelled);
  if (cancelled?.operation !== operation) return null;
  return (
    <span className="muted small" role="status" data-testid="cancelled-note">
      {cancelled.note}
    </span>
  );
}
