// Causal GQA attention with online softmax, one thread per query row.
//   q, out [B*seqLen, H*E]; k, v [B*cacheRows, K*E] (sequence b's keys at rows b*cacheRows + j, j < kvLen).
//   Query i of sequence b sits at position kvLen - seqLen + i and sees keys j <= that position
//   (and position - j < window when window > 0). Prefill: kvLen = cacheRows = seqLen.
//   Head h reads kv head h / (H / K). Scores: s = scale * q.k, then softcap * tanh(s / softcap) if softcap > 0.
// Grid: x = query blocks of BQ within a sequence, y = head, z = sequence. Keys are staged BKV at a
// time in workgroup memory; each thread keeps running max m, sum l and acc[E] (rescaled when m grows).
// E (head dim, multiple of 4) is a const the wrapper writes into this source: register arrays need a const size.
const E: u32 = 64u;
const E4: u32 = E / 4u;
override BQ: u32 = 64;
override BKV: u32 = 16;

struct Params { H: u32, K: u32, seqLen: u32, kvLen: u32, cacheRows: u32, window: u32, scale: f32, softcap: f32 }

@group(0) @binding(0) var<storage, read> q: array<vec4f>;
@group(0) @binding(1) var<storage, read> k: array<vec4f>;
@group(0) @binding(2) var<storage, read> v: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4f>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> ks: array<vec4f, BKV * E4>;
var<workgroup> vs: array<vec4f, BKV * E4>;

fn safe_tanh(x: f32) -> f32 {
  let t = exp(-2.0 * abs(x));
  let r = (1.0 - t) / (1.0 + t);
  return select(r, -r, x < 0.0);
}

@compute @workgroup_size(BQ)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let h = wid.y;
  let b = wid.z;
  let H = params.H;
  let kvh = h / (H / params.K);
  let qi = wid.x * BQ + lid;
  let valid = qi < params.seqLen;
  let shift = params.kvLen - params.seqLen; // position of query 0
  let pos = shift + qi;
  let firstPos = shift + wid.x * BQ;
  let lastPos = shift + min(params.seqLen, (wid.x + 1u) * BQ) - 1u;
  var jStart = 0u;
  if (params.window > 0u && firstPos + 1u > params.window) { jStart = firstPos + 1u - params.window; }

  let qRow = b * params.seqLen + qi;
  var qv: array<vec4f, E4>;
  var acc: array<vec4f, E4>;
  if (valid) {
    for (var e = 0u; e < E4; e++) { qv[e] = q[(qRow * H + h) * E4 + e] * params.scale; }
  }
  var m = -3.0e38;
  var l = 0.0;
  let kvStride4 = params.K * E4;
  let kvBase = b * params.cacheRows;

  for (var j0 = jStart; j0 <= lastPos; j0 += BKV) {
    for (var idx = lid; idx < BKV * E4; idx += BQ) {
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
    if (valid) {
      for (var jj = 0u; jj < BKV; jj++) {
        let j = j0 + jj;
        if (j > pos) { break; }
        if (params.window > 0u && pos - j >= params.window) { continue; }
        var s = 0.0;
        for (var e = 0u; e < E4; e++) { s += dot(qv[e], ks[jj * E4 + e]); }
        if (params.softcap > 0.0) { s = params.softcap * safe_tanh(s / params.softcap); }
        if (s > m) {
          let corr = exp(m - s);
          l *= corr;
          for (var e = 0u; e < E4; e++) { acc[e] *= corr; }
          m = s;
        }
        let p = exp(s - m);
        l += p;
        for (var e = 0u; e < E4; e++) { acc[e] += p * vs[jj * E4 + e]; }
      }
    }
    workgroupBarrier();
  }
  if (valid) {
    let inv = 1.0 / l;
    for (var e = 0u; e < E4; e++) { out[(qRow * H + h) * E4 + e] = acc[e] * inv; }
  }
}
