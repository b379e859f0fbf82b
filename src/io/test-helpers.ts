// Builders for safetensors bytes in tests (hand-written headers, so malformed files can be made too).

export interface RawTensor {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** A safetensors file from a header object and a data buffer; `headerText` overrides the JSON. */
export function buildSafetensors(header: Record<string, RawTensor | Record<string, string>>, data: Uint8Array, headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** F32 tensors laid out back to back, values 0.5 * (running index). */
export function f32File(tensors: Record<string, number[]>): Uint8Array {
  const header: Record<string, RawTensor> = {};
  let offset = 0;
  const values: number[] = [];
  for (const [name, shape] of Object.entries(tensors)) {
    const n = shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + 4 * n] };
    for (let i = 0; i < n; i++) values.push(0.5 * values.length);
    offset += 4 * n;
  }
  return buildSafetensors(header, new Uint8Array(new Float32Array(values).buffer));
}
