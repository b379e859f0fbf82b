// --gpu-memory SIZE for the CLI, and its default: on an NVIDIA machine, 90% of the free memory
// nvidia-smi reports (WebGPU itself does not say how much memory a GPU has); elsewhere the
// engine's default (a share of the adapter's maxBufferSize).
import { execFileSync } from 'node:child_process';
import { ByteSizeError, parseByteSize } from '../engine/byte-size';
import { UsageError } from './args';

export function gpuMemoryFlag(value: string | boolean | undefined): { bytes: number; source: string } | undefined {
  if (value === undefined) return nvidiaDefault();
  try {
    return { bytes: parseByteSize(String(value)), source: `--gpu-memory ${value}` };
  } catch (e) {
    if (e instanceof ByteSizeError) throw new UsageError(`--gpu-memory: ${e.message}`);
    throw e;
  }
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
