// Workgroup grids for kernels that index a flat range. WebGPU caps each grid
// dimension (65535 by default), so long ranges fold into y; kernels recover the
// flat index as (wid.y * num_workgroups.x + wid.x).
import type { Gpu } from '../context';

/** Workgroups [x, y] covering `groups` workgroups in total (x * y >= groups). */
export function foldGroups(gpu: Gpu, groups: number): [number, number] {
  const maxDim = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (groups <= maxDim) return [groups, 1];
  const y = Math.ceil(groups / maxDim);
  return [Math.ceil(groups / y), y];
}

/** Workgroups covering `items` threads at `wgSize` threads per workgroup. */
export function grid1d(gpu: Gpu, items: number, wgSize: number): [number, number] {
  return foldGroups(gpu, Math.ceil(items / wgSize));
}

/** Packs u32/f32 uniform fields (each 4 bytes, in struct order). */
export function uniforms(fields: Array<['u32' | 'f32' | 'i32', number]>): ArrayBuffer {
  const buf = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const view = new DataView(buf);
  fields.forEach(([kind, value], i) => {
    if (kind === 'f32') view.setFloat32(i * 4, value, true);
    else if (kind === 'i32') view.setInt32(i * 4, value, true);
    else view.setUint32(i * 4, value, true);
  });
  return buf;
}

const dummies = new WeakMap<Gpu, GPUBuffer>();

/** A tiny storage buffer bound where a kernel's optional input (e.g. bias) is absent. */
export function dummyStorage(gpu: Gpu): GPUBuffer {
  let b = dummies.get(gpu);
  if (!b) {
    b = gpu.u32Buffer(4, 'unused-optional-input');
    dummies.set(gpu, b);
  }
  return b;
}
