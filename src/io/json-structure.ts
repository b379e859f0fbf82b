// Structure checks JSON.parse does not make: a key given twice in one object (JSON.parse silently
// keeps the last one) and nesting deeper than any real model file (deep values overflow the stack
// of every recursive walk after parsing, JSON.stringify and structuredClone included).
// One iterative pass over text that JSON.parse has already accepted.

import { ModelFileError } from './errors';

/** Real model files nest fewer than 12 levels (tokenizer.json post-processors are the deepest). */
export const MAX_JSON_DEPTH = 64;

interface Frame {
  /** keys seen so far (objects only). */
  keys: Set<string> | null;
  /** path segment of this value in its parent, for messages. */
  at: string;
  /** the next string in this object is a key. */
  expectKey: boolean;
}

/** Throws ModelFileError naming `file` for a duplicate key or nesting deeper than maxDepth. */
export function checkJsonStructure(text: string, file: string, fix: string, maxDepth = MAX_JSON_DEPTH): void {
  const stack: Frame[] = [];
  let pendingKey = '';
  const pathOf = () => stack.map((f) => f.at).join('') || '(top level)';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.keys.has(key)) {
          throw new ModelFileError(file, `the key ${brief(key)} appears twice in ${pathOf()} (JSON readers keep only the last one)`, fix);
        }
        top.keys.add(key);
        top.expectKey = false;
        pendingKey = key;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack[stack.length - 1];
      const at = parent === undefined ? '' : parent.keys ? `.${pendingKey}` : '[]';
      if (stack.length >= maxDepth) {
        throw new ModelFileError(file, `nests deeper than ${maxDepth} levels (at ${pathOf()}${at}); no model file needs that`, fix);
      }
      stack.push({ keys: c === 0x7b ? new Set() : null, at, expectKey: c === 0x7b });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
}

/** Index of the closing quote of the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22) return i;
  }
  return text.length;
}

/** A short, safe rendering of any JSON value for messages: bounded in depth and length, never recursive. */
export function brief(value: unknown, maxChars = 60): string {
  let out: string;
  if (value === undefined) out = '(missing)';
  else if (Array.isArray(value)) out = value.length === 0 ? '[]' : `[${value.slice(0, 4).map(scalar).join(', ')}${value.length > 4 ? ', ...' : ''}]`;
  else if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    out = `{${keys.slice(0, 3).map((k) => `${JSON.stringify(k)}: ${scalar((value as Record<string, unknown>)[k])}`).join(', ')}${keys.length > 3 ? ', ...' : ''}}`;
  } else out = scalar(value);
  return out.length > maxChars ? `${out.slice(0, maxChars - 3)}...` : out;
}

function scalar(v: unknown): string {
  if (Array.isArray(v)) return v.length ? '[...]' : '[]';
  if (typeof v === 'object' && v !== null) return Object.keys(v).length ? '{...}' : '{}';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'bigint') return `${v}`;
  return v === undefined ? '(missing)' : JSON.stringify(v) ?? String(v);
}
