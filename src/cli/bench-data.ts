// Where the benchmarks find their inputs. Models and corpora are not in the repository
// (llama-10m / qwen2-14m weights, full corpora for the speed runs): `--data DIR` names a
// folder with models/<name>/ and corpora/; the default is ../shared when it exists.
// The PyTorch reference's figures ARE in the repository (bench/reference/).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError, type Flags } from './args';

/** The benchmark data folder from --data (or its alias --shared), else ../shared, else a UsageError saying what to pass. */
export function benchDataDir(flags: Flags, cwd = process.cwd()): string {
  const given = typeof flags.data === 'string' ? flags.data : typeof flags.shared === 'string' ? flags.shared : null;
  if (given !== null) {
    const dir = resolve(cwd, given);
    if (!existsSync(dir)) throw new UsageError(`--data ${given}: no such folder (${dir})`);
    return dir;
  }
  const fallback = resolve(cwd, '../shared');
  if (existsSync(fallback)) return fallback;
  throw new UsageError(
    `no benchmark data: pass --data DIR, a folder with models/<name>/ (stories260K, llama-10m, qwen2-14m) and corpora/ ` +
      `(wikitext2-test.raw, tinystories-heldout.txt); ../shared is used when it exists. From a clone, ` +
      `--data fixtures --models fixtures/stories260K runs on what the repository carries.`,
  );
}

/** The PyTorch reference figures (quality-<model>.json, torch-speed.json): --reference DIR or bench/reference. */
export function benchReferenceDir(flags: Flags, cwd = process.cwd()): string {
  return resolve(cwd, typeof flags.reference === 'string' ? flags.reference : 'bench/reference');
}

export const modelDir = (data: string, name: string): string => (name.includes('/') ? resolve(name) : join(data, 'models', name));
export const corpusFile = (data: string, file: string): string => join(data, 'corpora', file);
