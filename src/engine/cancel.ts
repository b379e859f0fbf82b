// Cancellation of a long engine call. The engine reports progress between GPU batches; a
// caller that wants to stop throws CancelledError from its onProgress callback, and the
// exception unwinds the engine call (every allocation there is freed in try/finally).

export class CancelledError extends Error {
  constructor(readonly operation = 'operation') {
    super(`The ${operation} was cancelled.`);
    this.name = 'CancelledError';
  }
}

export function isCancelled(e: unknown): e is CancelledError {
  return e instanceof CancelledError || (e instanceof Error && e.name === 'CancelledError');
}
