// Sizes as people write them ("2GiB", "512 MiB", "4GB", "1.5G") -> bytes, and back, for the
// studio's GPU memory setting. A unit is required: in a form, "2048" could mean bytes or MiB.
// The CLI's --gpu-memory and --shard-size use it too.

/** Binary units (KiB, MiB, GiB, TiB and the bare K, M, G, T) and decimal ones (KB, MB, GB, TB). */
const UNITS: Record<string, number> = {
  b: 1,
  k: 2 ** 10, kib: 2 ** 10, kb: 1e3,
  m: 2 ** 20, mib: 2 ** 20, mb: 1e6,
  g: 2 ** 30, gib: 2 ** 30, gb: 1e9,
  t: 2 ** 40, tib: 2 ** 40, tb: 1e12,
};

export const BYTE_SIZE_EXAMPLES = '2GiB, 512 MiB or 4GB';

export class ByteSizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ByteSizeError';
  }
}

/** Parses "<number> <unit>" (unit required, case-insensitive, space optional) to whole bytes. */
export function parseByteSize(text: string): number {
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)?$/i.exec(t);
  if (!m) throw new ByteSizeError(`"${t}" is not a size: write a number and a unit, like ${BYTE_SIZE_EXAMPLES}.`);
  if (!m[2]) throw new ByteSizeError(`"${t}" has no unit: add one, like ${BYTE_SIZE_EXAMPLES}.`);
  const unit = UNITS[m[2].toLowerCase()];
  if (unit === undefined) throw new ByteSizeError(`"${m[2]}" is not a size unit: use B, KiB, MiB, GiB, TiB (or KB, MB, GB, TB), like ${BYTE_SIZE_EXAMPLES}.`);
  const bytes = Math.round(Number(m[1]) * unit);
  if (!(bytes > 0)) throw new ByteSizeError(`"${t}" is zero: give a size above 0, like ${BYTE_SIZE_EXAMPLES}.`);
  return bytes;
}

/** Bytes in the largest binary unit that keeps at least one whole unit ("1.5 GiB", "64 MiB", "38.6 MiB"):
 *  two decimals below 10 units, one from 10, none when whole. */
export function formatByteSize(n: number): string {
  if (!Number.isFinite(n)) return 'no limit';
  const a = Math.abs(n);
  const [div, unit] = a >= 2 ** 40 ? [2 ** 40, 'TiB'] : a >= 2 ** 30 ? [2 ** 30, 'GiB'] : a >= 2 ** 20 ? [2 ** 20, 'MiB'] : a >= 2 ** 10 ? [2 ** 10, 'KiB'] : [1, 'B'];
  const v = n / div;
  return `${Number.isInteger(v) ? v : v.toFixed(Math.abs(v) >= 10 ? 1 : 2).replace(/\.?0+$/, '')} ${unit}`;
}
