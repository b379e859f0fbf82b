// Minimal typed flag parsing for the CLI (node:util parseArgs with clear errors).
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Flags = Record<string, string | boolean | undefined>;

export function parseFlags(argv: string[], spec: Record<string, { type: 'string' | 'boolean' }>): Flags {
  try {
    return parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false }).values as Flags;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function requireString(flags: Flags, name: string): string {
  const v = flags[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function optionalNumber(flags: Flags, name: string, fallback: number, check: (n: number) => boolean, what: string): number {
  const v = flags[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${what} (got ${String(v)})`);
  return n;
}
