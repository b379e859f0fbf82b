// Errors in the page, each with what to do; device loss offers to reload the model (settings survive).
import { studioStore, useStudio } from '../store';

export function ErrorBanner() {
  const error = useStudio((s) => s.error);
  const modelStatus = useStudio((s) => s.model.status);
  if (!error) return null;
  const canReload = error.kind === 'device-lost' || modelStatus === 'lost';
  const { reloadModel, dismissError } = studioStore.getState();
  return (
    <div className="error" role="alert" data-testid="error" data-kind={error.kind}>
      <div>
        <strong>{titles[error.kind]}</strong>
        {error.file && <span className="error-file"> · {error.file}</span>}
        <p>{error.message}</p>
        <p className="fix">What to do: {error.fix}</p>
      </div>
      <div className="error-actions">
        {canReload && (
          <button type="button" className="primary" onClick={() => void reloadModel()}>
            Reload model
          </button>
        )}
        <button type="button" onClick={dismissError}>
          Dismiss
        </button>
      </div>
    </div>
  );
}

const titles: Record<string, string> = {
  'no-webgpu': 'WebGPU is not available',
  adapter: 'The GPU is too small for this',
  file: 'A model file could not be used',
  unsupported: 'This model is not supported',
  'device-lost': 'The GPU device was lost',
  'no-model': 'No model loaded',
  engine: 'Something went wrong',
};
