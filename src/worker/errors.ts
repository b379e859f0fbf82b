// Turns anything the engine throws into a WorkerError: what happened + what to do.
import { GpuUnavailableError } from '../gpu/device';
import { ModelFileError, UnsupportedModelError } from '../io/errors';
import type { WorkerError } from './protocol';

const LIMIT_WORDS = /maxBufferSize|maxStorageBufferBindingSize|out of memory|too large for|exceeds the adapter|OutOfMemory/i;

export function toWorkerError(err: unknown): WorkerError {
  if (err instanceof ModelFileError) {
    return { kind: 'file', message: `${err.file}: ${err.problem}`, fix: err.fix, file: err.file };
  }
  if (err instanceof GpuUnavailableError) {
    return { kind: 'no-webgpu', message: err.message, fix: 'Use Chrome or Edge 113+ with hardware acceleration on (on Linux start Chromium with --enable-unsafe-webgpu), or run the command-line tool in Node.' };
  }
  if (err instanceof UnsupportedModelError) {
    return { kind: 'unsupported', message: `${err.file}: ${err.problem}`, fix: 'Drop a Llama, Mistral, Qwen2/3 or Gemma causal LM folder (config.json, tokenizer.json, *.safetensors).', file: err.file };
  }
  const message = err instanceof Error ? err.message : String(err);
  const named = err instanceof Error ? err.name : '';
  // Engine errors may be typed elsewhere; recognise them by shape (file/problem/fix) or name.
  if (err && typeof err === 'object' && 'file' in err && 'fix' in err && typeof (err as { file: unknown }).file === 'string') {
    const e = err as { file: string; problem?: string; fix: string };
    return { kind: 'file', message: e.problem ? `${e.file}: ${e.problem}` : message, fix: String(e.fix), file: e.file };
  }
  // Export writes: the disk, or the browser's storage quota for this site, is full.
  if (named === 'QuotaExceededError' || /storage quota|no space left|ENOSPC|disk full/i.test(message)) {
    return { kind: 'file', message: `There is no room to save the export: ${message}`, fix: 'Free disk space or pick a folder on a drive with room (the export is about the pruned model\'s size), then export again; nothing partial was kept.' };
  }
  if (/DeviceLost/i.test(named)) return { ...deviceLostError('', ''), message };
  if (/Limit|Adapter/i.test(named) || LIMIT_WORDS.test(message)) {
    return { kind: 'adapter', message, fix: 'This GPU cannot hold the model. Try a smaller model, close other GPU-heavy tabs, or use the CLI on a larger GPU.' };
  }
  return { kind: 'engine', message, fix: 'Check the model files and settings, then try again. If it persists, reload the page (settings are kept).' };
}

export function deviceLostError(reason: string, message: string): WorkerError {
  return {
    kind: 'device-lost',
    message: `The GPU device was lost (${reason || 'unknown'}): ${message || 'no details'}`,
    fix: 'Your settings are kept. Press "Reload model" to load the model again.',
  };
}
