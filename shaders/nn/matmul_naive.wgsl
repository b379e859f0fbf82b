// Fallback for Kd % 4 != 0: one thread per y[t, colOffset + n] = sum_k x[t, k] * w[n, k] (+ bias[n]).
// x [T, Kd], w [N, Kd], y [T, Nout]. w's element type comes from the prepended weights/*.wgsl:
// element e is component e % 4 of group e / 4.
override WG: u32 = 16;

struct Params { T: u32, N: u32, Kd: u32, Nout: u32, colOffset: u32, hasBias: u32, accumulate: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<W4>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// accumulate = 1: y += the result (the residual add fused into the projection that feeds it)
fn store(i: u32, v: f32) {
  if (params.accumulate != 0u) { y[i] = y[i] + v; } else { y[i] = v; }
}

@compute @workgroup_size(WG, WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n = gid.x;
  let t = gid.y;
  if (n >= params.N || t >= params.T) { return; }
  var s = 0.0;
  for (var k = 0u; k < params.Kd; k++) {
    let e = n * params.Kd + k;
    s += x[t * params.Kd + k] * w4(w[e >> 2u])[e & 3u];
  }
  if (params.hasBias != 0u) { s += bias[n]; }
  store(t * params.Nout + params.colOffset + n, s);
}
