// Progress events reported by long operations (load, calibration, evaluation, export), from the
// lowest layer that reports them up to the worker protocol and the CLI's progress line.
export interface Progress {
  phase: 'read' | 'upload' | 'tokenize' | 'calibrate' | 'evaluate' | 'sweep' | 'export' | 'generate' | 'latency';
  done: number;
  total: number;
  unit: 'bytes' | 'tokens' | 'steps';
  message?: string;
  /** Text produced so far (generation streams its continuation through this). */
  text?: string;
}
export type ProgressFn = (p: Progress) => void;
