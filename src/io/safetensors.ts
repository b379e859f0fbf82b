// safetensors header reader: validates everything it can before any tensor data is read.
// Layout: u64 LE header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [b, e]}, __metadata__?},
// then the data buffer; data_offsets are relative to the start of the data buffer (8 + N).

import { ModelFileError } from './errors';
import { brief, checkJsonStructure } from './json-structure';
import type { FileSource } from './source';

/** Bits per element of every dtype the safetensors format defines. */
const DTYPE_BITS = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  F8_E4M3: 8,
  F8_E5M2: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  I64: 64,
  U64: 64,
  F64: 64,
  C64: 64,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
} as const;

export type StDtype = keyof typeof DTYPE_BITS;

export interface TensorEntry {
  name: string;
  dtype: StDtype;
  shape: number[];
  /** file name (as in ModelFiles) holding the tensor. */
  file: string;
  /** absolute byte offsets [begin, end) in the file (8 + header length + data_offsets). */
  begin: number;
  end: number;
}

/** dtypes the engine computes with; everything else is refused by checkSupportedDtype. */
export const SUPPORTED_DTYPES = ['F32', 'F16', 'BF16'] as const;
export type SupportedDtype = (typeof SUPPORTED_DTYPES)[number];

/** Headers above this are refused: real ones are a few hundred KB at most. */
export const MAX_HEADER_BYTES = 100_000_000;
/** {name: {shape: [...]}} is 3 levels deep; anything deeper is not a safetensors header. */
const HEADER_DEPTH = 8;

export function isStDtype(value: unknown): value is StDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BITS, value);
}

/** Bytes of a tensor of this dtype and shape, or null when sub-byte elements do not fill whole bytes. */
export function tensorByteLength(dtype: StDtype, shape: readonly number[]): number | null {
  const bits = shape.reduce((n, d) => n * d, 1) * DTYPE_BITS[dtype];
  return bits % 8 === 0 ? bits / 8 : null;
}

export function checkSupportedDtype(entry: TensorEntry): asserts entry is TensorEntry & { dtype: SupportedDtype } {
  if (!(SUPPORTED_DTYPES as readonly string[]).includes(entry.dtype)) {
    throw new ModelFileError(
      entry.file,
      `tensor "${entry.name}" is stored as ${entry.dtype}, which this tool cannot compute with (supported: ${SUPPORTED_DTYPES.join(', ')})`,
      'Use an unquantized F32, F16 or BF16 checkpoint of the model (quantized or int8/fp8 exports are not supported)',
    );
  }
}

export async function readSafetensorsHeader(
  src: FileSource,
): Promise<{ entries: TensorEntry[]; metadata: Record<string, string> }> {
  const file = src.name;
  const redownload = 'The file is damaged or incomplete: download it again';
  if (src.size < 8) {
    throw new ModelFileError(file, `only ${src.size} bytes, too short to be a safetensors file`, 'The download is truncated: download the file again');
  }
  const prefix = await src.read(0, 8);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const lenLow = view.getUint32(0, true);
  const lenHigh = view.getUint32(4, true);
  const headerLen = lenHigh * 2 ** 32 + lenLow;
  if (lenHigh !== 0 || headerLen > MAX_HEADER_BYTES) {
    throw new ModelFileError(file, `header length ${headerLen} bytes is implausible (limit ${MAX_HEADER_BYTES})`, `This is not a safetensors file, or it is corrupt. ${redownload}`);
  }
  if (8 + headerLen > src.size) {
    throw new ModelFileError(
      file,
      `header claims ${headerLen} bytes but the file has only ${src.size - 8} after the length prefix`,
      'The download is truncated (or this is not a safetensors file): download the file again',
    );
  }
  const headerBytes = await src.read(8, 8 + headerLen);
  let header: unknown;
  let headerText: string;
  try {
    headerText = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    header = JSON.parse(headerText);
  } catch (e) {
    throw new ModelFileError(file, `header is not valid JSON (${(e as Error).message})`, redownload);
  }
  checkJsonStructure(headerText, file, redownload, HEADER_DEPTH);
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new ModelFileError(file, 'header is not a JSON object', redownload);
  }

  const dataStart = 8 + headerLen;
  const metadata: Record<string, string> = {};
  const entries: TensorEntry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new ModelFileError(file, '__metadata__ is not an object of strings', redownload);
      }
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new ModelFileError(file, `__metadata__.${k} is ${brief(v)}, not a string`, redownload);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(file, name, raw, dataStart));
  }
  checkSpans(src, entries, src.size - dataStart);
  return { entries, metadata };
}

function parseEntry(file: string, name: string, raw: unknown, dataStart: number): TensorEntry {
  const bad = (problem: string) => new ModelFileError(file, `tensor "${name}": ${problem}`, 'The file is damaged or was not written by a safetensors library: download or export it again');
  if (typeof raw !== 'object' || raw === null) throw bad('header entry is not an object');
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isStDtype(dtype)) throw bad(`unknown dtype ${brief(dtype)} (known: ${Object.keys(DTYPE_BITS).join(', ')})`);
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInt)) throw bad(`shape ${brief(shape)} is not a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt) || offsets[1] < offsets[0]) {
    throw bad(`data_offsets ${brief(offsets)} is not [begin, end] with begin <= end`);
  }
  const span = offsets[1] - offsets[0];
  const expected = tensorByteLength(dtype, shape);
  if (expected !== span) {
    throw bad(`shape [${shape.join(', ')}] of ${dtype} needs ${expected ?? 'a non-whole number of'} bytes but data_offsets span ${span}`);
  }
  return { name, dtype, shape: [...shape], file, begin: dataStart + offsets[0], end: dataStart + offsets[1] };
}

/**
 * Spans must lie inside the file and tile the data region exactly, as the safetensors library
 * checks: in offset order each tensor starts where the previous one ends, the first at 0, the last
 * at the end of the file. A header length a few bytes short (padding dropped) fails here instead of
 * every tensor being read a few bytes early.
 */
function checkSpans(src: FileSource, entries: TensorEntry[], dataBytes: number): void {
  for (const e of entries) {
    if (e.end > src.size) {
      throw new ModelFileError(
        src.name,
        `tensor "${e.name}" ends at byte ${e.end} but the file has ${src.size} bytes`,
        'The download is truncated: download the shard again',
      );
    }
  }
  const dataStart = src.size - dataBytes;
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  const damaged = 'The header does not match the data (damaged file, or a header length that is off): download or export the file again';
  let cursor = dataStart; // where the next tensor must start
  let last: TensorEntry | null = null; // the tensor that ends at cursor
  for (const cur of sorted) {
    if (last && cur.begin < cursor) {
      throw new ModelFileError(
        src.name,
        `tensors "${last.name}" [${last.begin}, ${last.end}) and "${cur.name}" [${cur.begin}, ${cur.end}) overlap`,
        'The header is corrupt: download or export the file again',
      );
    }
    if (cur.begin !== cursor) {
      const before = last ? `"${last.name}" ends at ${cursor - dataStart}` : 'the data starts at 0';
      throw new ModelFileError(src.name, `tensor "${cur.name}" starts at data byte ${cur.begin - dataStart} but ${before}: the tensors leave a hole`, damaged);
    }
    cursor = cur.end;
    last = cur;
  }
  if (cursor - dataStart !== dataBytes) {
    throw new ModelFileError(src.name, `the tensors cover ${cursor - dataStart} data bytes but the file holds ${dataBytes} after the header`, damaged);
  }
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
