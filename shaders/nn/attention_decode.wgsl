// Attention for a few queries per sequence over a KV cache (decode): same layout and masking as
// attention.wgsl. One workgroup per (query row, head); the WG threads take WG keys at a time
// (one score each), the chunk's softmax weights meet in workgroup memory, then G = WG / E4 groups
// of E4 threads each accumulate every G-th value row (thread e of a group owns output vec4 e, so
// reads coalesce), and the group partials are summed.
override WG: u32 = 128;
override E4: u32 = 16; // head dim / 4 (<= WG)
override G: u32 = WG / E4;
const NEG: f32 = -3.0e38;

struct Params { H: u32, K: u32, seqLen: u32, kvLen: u32, cacheRows: u32, window: u32, scale: f32, softcap: f32 }

@group(0) @binding(0) var<storage, read> q: array<vec4f>;
@group(0) @binding(1) var<storage, read> k: array<vec4f>;
@group(0) @binding(2) var<storage, read> v: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4f>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> qs: array<vec4f, E4>;
var<workgroup> scores: array<f32, WG>;
var<workgroup> weights: array<f32, WG>;
var<workgroup> accPart: array<vec4f, WG>;

fn safe_tanh(x: f32) -> f32 {
  let t = exp(-2.0 * abs(x));
  let r = (1.0 - t) / (1.0 + t);
  return select(r, -r, x < 0.0);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x; // query row b*seqLen + i
  let h = wid.y;
  let H = params.H;
  let kvh = h / (H / params.K);
  let b = row / params.seqLen;
  let pos = params.kvLen - params.seqLen + row % params.seqLen;
  var jStart = 0u;
  if (params.window > 0u && pos + 1u > params.window) { jStart = pos + 1u - params.window; }
  let kvStride4 = params.K * E4;
  let kvBase = b * params.cacheRows;

  for (var e = lid; e < E4; e += WG) { qs[e] = q[(row * H + h) * E4 + e] * params.scale; }
  workgroupBarrier();

  var m = NEG;
  var l = 0.0;
  var acc = vec4f(0.0);
  for (var c0 = jStart; c0 <= pos; c0 += WG) {
    let j = c0 + lid;
    var s = NEG;
    if (j <= pos) {
      var d = 0.0;
      let src = (kvBase + j) * kvStride4 + kvh * E4;
      for (var e = 0u; e < E4; e++) { d += dot(qs[e], k[src + e]); }
      s = d;
      if (params.softcap > 0.0) { s = params.softcap * safe_tanh(s / params.softcap); }
    }
    scores[lid] = s;
    workgroupBarrier();
    var chunkMax = m;
    for (var jj = 0u; jj < WG; jj++) { chunkMax = max(chunkMax, scores[jj]); }
    weights[lid] = select(0.0, exp(s - chunkMax), s != NEG);
    workgroupBarrier();
    let n = min(WG, pos + 1u - c0);
    let g = lid / E4;
    var part = vec4f(0.0);
    if (g < G) {
      for (var jj = g; jj < n; jj += G) { part += weights[jj] * v[(kvBase + c0 + jj) * kvStride4 + kvh * E4 + lid % E4]; }
    }
    accPart[lid] = part;
    workgroupBarrier();
    if (lid < E4) {
      let corr = exp(m - chunkMax);
      var sum = 0.0;
      for (var jj = 0u; jj < n; jj++) { sum += weights[jj]; }
      var chunkAcc = vec4f(0.0);
      for (var gg = 0u; gg < G; gg++) { chunkAcc += accPart[gg * E4 + lid]; }
      l = l * corr + sum;
      acc = acc * corr + chunkAcc;
    }
    m = chunkMax;
    workgroupBarrier();
  }
  if (lid < E4) { out[(row * H + h) * E4 + lid] = acc / l; }
}
