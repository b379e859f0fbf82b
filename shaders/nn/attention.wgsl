// Causal GQA attention (prefill), online softmax over key blocks.
//   q, out [B*seqLen, H*E]; k, v [B*cacheRows, K*E] (sequence b's keys at rows b*cacheRows + j, j < kvLen).
//   Query i of sequence b sits at position kvLen - seqLen + i and sees keys j <= that position
//   (and position - j < window when window > 0). Prefill: kvLen = cacheRows = seqLen.
//   Head h reads kv head h / (H / K). Scores: s = scale * q.k, then softcap * tanh(s / softcap) if softcap > 0.
// Grid: x = blocks of BQ queries within a sequence, y = head, z = sequence. SPLIT threads share one
// query, each owning E/SPLIT of q and of the output accumulator (keeps registers bounded for E = 128, 256);
// their partial dot products meet in workgroup memory. Keys are staged BKV at a time.
// With SPLIT = 1 (E <= 64) a thread owns its whole query: scores stay in registers, no partial
// sums and one barrier fewer per key block.
// E, SPLIT, BKV and PARTIAL are consts the wrapper writes into this source: register arrays need const sizes.
const E: u32 = 64u;
const SPLIT: u32 = 1u;
const BKV: u32 = 16u;
const PARTIAL: u32 = 1024u; // BQ * SPLIT * BKV when SPLIT > 1, else 1 (unused)
const E4: u32 = E / 4u;
const P4: u32 = E4 / SPLIT; // vec4s of q / acc owned by one thread
const NEG: f32 = -3.0e38;   // masked score
override BQ: u32 = 64;

struct Params { H: u32, K: u32, seqLen: u32, kvLen: u32, cacheRows: u32, window: u32, scale: f32, softcap: f32 }

@group(0) @binding(0) var<storage, read> q: array<vec4f>;
@group(0) @binding(1) var<storage, read> k: array<vec4f>;
@group(0) @binding(2) var<storage, read> v: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4f>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> ks: array<vec4f, BKV * E4>;
var<workgroup> vs: array<vec4f, BKV * E4>;
var<workgroup> partial: array<f32, PARTIAL>;

fn safe_tanh(x: f32) -> f32 {
  let t = exp(-2.0 * abs(x));
  let r = (1.0 - t) / (1.0 + t);
  return select(r, -r, x < 0.0);
}

@compute @workgroup_size(BQ * SPLIT)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let h = wid.y;
  let b = wid.z;
  let H = params.H;
  let kvh = h / (H / params.K);
  let qLocal = lid / SPLIT;
  let part = lid % SPLIT;
  let qi = wid.x * BQ + qLocal;
  let valid = qi < params.seqLen;
  let shift = params.kvLen - params.seqLen; // position of query 0
  let pos = shift + qi;
  let firstPos = shift + wid.x * BQ;
  let lastPos = shift + min(params.seqLen, (wid.x + 1u) * BQ) - 1u;
  var jStart = 0u;
  if (params.window > 0u && firstPos + 1u > params.window) { jStart = firstPos + 1u - params.window; }

  let qRow = b * params.seqLen + qi;
  var qv: array<vec4f, P4>;
  var acc: array<vec4f, P4>;
  if (valid) {
    for (var e = 0u; e < P4; e++) { qv[e] = q[(qRow * H + h) * E4 + part * P4 + e] * params.scale; }
  }
  var m = NEG;
  var l = 0.0;
  let kvStride4 = params.K * E4;
  let kvBase = b * params.cacheRows;

  for (var j0 = jStart; j0 <= lastPos; j0 += BKV) {
    for (var idx = lid; idx < BKV * E4; idx += BQ * SPLIT) {
      let jj = idx / E4;
      let e = idx % E4;
      let j = j0 + jj;
      var kk = vec4f(0.0);
      var vv = vec4f(0.0);
      if (j <= lastPos) {
        let src = (kvBase + j) * kvStride4 + kvh * E4 + e;
        kk = k[src];
        vv = v[src];
      }
      ks[idx] = kk;
      vs[idx] = vv;
    }
    workgroupBarrier();
    var dots: array<f32, BKV>;
    if (SPLIT == 1u) {
      for (var jj = 0u; jj < BKV; jj++) {
        var d = 0.0;
        for (var e = 0u; e < P4; e++) { d += dot(qv[e], ks[jj * E4 + e]); }
        dots[jj] = d;
      }
    } else {
      for (var jj = 0u; jj < BKV; jj++) {
        var d = 0.0;
        for (var e = 0u; e < P4; e++) { d += dot(qv[e], ks[jj * E4 + part * P4 + e]); }
        partial[lid * BKV + jj] = d;
      }
      workgroupBarrier();
      for (var jj = 0u; jj < BKV; jj++) {
        var s = 0.0;
        for (var p = 0u; p < SPLIT; p++) { s += partial[(qLocal * SPLIT + p) * BKV + jj]; }
        dots[jj] = s;
      }
    }
    if (valid) {
      var sc: array<f32, BKV>;
      var blockMax = m;
      for (var jj = 0u; jj < BKV; jj++) {
        let j = j0 + jj;
        var s = dots[jj];
        if (params.softcap > 0.0) { s = params.softcap * safe_tanh(s / params.softcap); }
        let visible = j <= pos && (params.window == 0u || pos - j < params.window);
        sc[jj] = select(NEG, s, visible);
        if (visible) { blockMax = max(blockMax, s); }
      }
      let corr = exp(m - blockMax);
      m = blockMax;
      l *= corr;
      for (var e = 0u; e < P4; e++) { acc[e] *= corr; }
      for (var jj = 0u; jj < BKV; jj++) {
        if (sc[jj] == NEG) { continue; }
        let p = exp(sc[jj] - m);
        l += p;
        for (var e = 0u; e < P4; e++) { acc[e] += p * vs[jj * E4 + part * P4 + e]; }
      }
    }
    workgroupBarrier();
  }
  if (valid) {
    let inv = 1.0 / l;
    for (var e = 0u; e < P4; e++) { out[(qRow * H + h) * E4 + part * P4 + e] = acc[e] * inv; }
  }
}
