// --gpu-memory SIZE for the CLI, and its default: on an NVIDIA machine, 90% of the free memory
// nvidia-smi reports (WebGPU itself does not say how much memory a GPU has); elsewhere the
// engine's default (a share of the adapter's maxBufferSize).
import { execFileSync } from 'node:child_process';
import { UsageError } from './args';

const UNITS: Record<string, number> = { b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** "2GiB", "512 MiB", "4GB", "1.5g", "123456" (bytes) -> bytes; null when it does not parse. */
export function parseByteSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return null;
  const unit = UNITS[(m[2] || 'b').toLowerCase()];
  if (unit === undefined) return null;
  const bytes = Math.floor(Number(m[1]) * unit);
  return Number.isFinite(bytes) && bytes > 0 ? bytes : null;
}

export function gpuMemoryFlag(value: string | boolean | undefined): { bytes: number; source: string } | undefined {
  if (value === undefined) return nvidiaDefault();
  const bytes = typeof value === 'string' ? parseByteSize(value) : null;
  if (bytes === null) throw new UsageError(`--gpu-memory must be a size such as 2GiB, 512MiB or 8GB (got ${String(value)})`);
  return { bytes, source: `--gpu-memory ${value}` };
}

/** 90% of the free memory of GPU 0 as nvidia-smi reports it, or undefined without nvidia-smi. */
function nvidiaDefault(): { bytes: number; source: string } | undefined {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=memory.free', '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    const mib = Number(out.split('\n')[0].trim());
    if (!Number.isFinite(mib) || mib <= 0) return undefined;
    const bytes = Math.floor(mib * 2 ** 20 * 0.9);
    return { bytes, source: `default: 90% of the ${(mib / 1024).toFixed(1)} GiB free on the GPU (nvidia-smi)` };
  } catch {
    return undefined;
  }
}
