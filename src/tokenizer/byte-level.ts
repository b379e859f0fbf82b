// GPT-2 byte-level alphabet: every byte 0..255 is written as one printable
// unicode character (printable Latin-1 bytes map to themselves, the rest to
// U+0100 + n in byte order). Same table as GPT-2's bytes_to_unicode().

function buildByteToChar(): string[] {
  const printable: number[] = [];
  const push = (from: number, to: number) => {
    for (let b = from; b <= to; b++) printable.push(b);
  };
  push(0x21, 0x7e); // '!'..'~'
  push(0xa1, 0xac); // '¡'..'¬'
  push(0xae, 0xff); // '®'..'ÿ'
  const isPrintable = new Set(printable);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCodePoint(isPrintable.has(b) ? b : 256 + extra++);
  }
  return table;
}

/** BYTE_TO_CHAR[b] = the symbol standing for byte b (256 entries). */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** symbol -> byte, the inverse of BYTE_TO_CHAR. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** `<0xXX>` token string of SentencePiece byte fallback for byte b. */
export function byteFallbackToken(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
}

const BYTE_FALLBACK_PATTERN = /^<0x[0-9A-F]{2}>$/;

export function isByteFallbackToken(token: string): boolean {
  return BYTE_FALLBACK_PATTERN.test(token);
}
