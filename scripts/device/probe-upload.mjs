// Upload probe: where a resident load's time goes, file -> JS buffer -> GPU, for one file of the
// page cache: reads into fresh or reused buffers, writeBuffer by piece size, a mapped staging ring.
// H200: `/tmp/node scripts/device/probe-upload.mjs FILE` (env.sh; dawn.node from .devnode);
// here: WEBGPU_MODULE=node_modules/webgpu/index.js VK_ICD_FILENAMES=... node scripts/device/probe-upload.mjs FILE
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
const require = createRequire(import.meta.url);
const webgpu = require(resolve(process.env.WEBGPU_MODULE ?? '.devnode/node_modules/webgpu/index.js'));
Object.assign(globalThis, webgpu.globals);
const gpu = webgpu.create(['enable-dawn-features=allow_unsafe_apis']);
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
const device = await adapter.requestDevice({ requiredLimits: { maxBufferSize: adapter.limits.maxBufferSize, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize } });
const file = process.argv[2];
const DST = 256 << 20;
const h = await open(file);
const size = Math.min((await h.stat()).size, 4 * 2 ** 30);
const GB = (b, ms) => (b / 1e9 / (ms / 1000)).toFixed(2);
const warm = Buffer.allocUnsafeSlow(64 << 20);
for (let at = 0; at < size; at += 64 << 20) await h.read(warm, 0, Math.min(64 << 20, size - at), at); // page cache warm
async function readPieces(piece, reuse, parallel = 1) {
  const t0 = performance.now();
  const bufs = Array.from({ length: parallel }, () => Buffer.allocUnsafeSlow(piece));
  for (let at = 0; at < size; at += piece * parallel) {
    const jobs = [];
    for (let k = 0; k < parallel && at + k * piece < size; k++) {
      const b = reuse ? bufs[k] : Buffer.allocUnsafeSlow(piece);
      jobs.push(h.read(b, 0, Math.min(piece, size - at - k * piece), at + k * piece));
    }
    await Promise.all(jobs);
  }
  return performance.now() - t0;
}
for (const [piece, reuse, par] of [[1 << 30, false, 1], [64 << 20, false, 1], [64 << 20, true, 1], [64 << 20, true, 4], [16 << 20, true, 4]]) {
  const ms = await readPieces(piece, reuse, par);
  console.log(`read ${piece >> 20} MiB pieces, ${reuse ? 'reused' : 'fresh'} buffers, ${par} at once: ${GB(size, ms)} GB/s`);
}
/** A wait for the queue every 256 MiB of writeBuffer (as load.ts does): staging memory stays bounded. */
function flusher() {
  let queued = 0;
  return async (bytes) => {
    queued += bytes;
    if (queued < 256 << 20) return;
    queued = 0;
    device.queue.submit([]);
    await device.queue.onSubmittedWorkDone();
  };
}
// writeBuffer from a reused JS buffer into big GPU buffers, piecewise, with a flush every 256 MiB
async function writeBuf(piece) {
  const dst = device.createBuffer({ size: DST, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const src = new Uint8Array(piece).fill(1);
  const t0 = performance.now();
  const flush = flusher();
  for (let done = 0; done < size; done += piece) {
    device.queue.writeBuffer(dst, done % DST, src);
    await flush(piece);
  }
  await device.queue.onSubmittedWorkDone();
  const ms = performance.now() - t0;
  dst.destroy();
  return ms;
}
for (const piece of [256 << 20, 64 << 20, 16 << 20, 4 << 20]) console.log(`writeBuffer ${piece >> 20} MiB pieces: ${GB(size, await writeBuf(piece))} GB/s`);
// mapped staging ring: MAP_WRITE buffers, file read straight into the mapping, then a GPU copy
async function staged(piece, ringSize) {
  const dst = device.createBuffer({ size: DST, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const ring = Array.from({ length: ringSize }, () => device.createBuffer({ size: piece, usage: GPUBufferUsage.MAP_WRITE | GPUBufferUsage.COPY_SRC, mappedAtCreation: true }));
  const ready = ring.map(() => Promise.resolve());
  const t0 = performance.now();
  let i = 0;
  for (let at = 0; at < size; at += piece, i++) {
    const k = i % ringSize;
    await ready[k];
    const b = ring[k];
    const n = Math.min(piece, size - at);
    await h.read(new Uint8Array(b.getMappedRange(0, piece)), 0, n, at);
    b.unmap();
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(b, 0, dst, at % DST, n);
    device.queue.submit([enc.finish()]);
    ready[k] = b.mapAsync(GPUMapMode.WRITE);
  }
  await Promise.all(ready);
  await device.queue.onSubmittedWorkDone();
  const ms = performance.now() - t0;
  dst.destroy(); ring.forEach((b) => b.destroy());
  return ms;
}
for (const [piece, n] of [[64 << 20, 2], [64 << 20, 4], [16 << 20, 8]]) console.log(`mapped staging ${piece >> 20} MiB x ${n}, read into the mapping: ${GB(size, await staged(piece, n))} GB/s`);
// reused-buffer read + writeBuffer, as load.ts would do piecewise
async function readWrite(piece) {
  const dst = device.createBuffer({ size: DST, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const bufs = [Buffer.allocUnsafeSlow(piece), Buffer.allocUnsafeSlow(piece)];
  const t0 = performance.now();
  const flush = flusher();
  let next = h.read(bufs[0], 0, Math.min(piece, size), 0);
  for (let at = 0, i = 0; at < size; at += piece, i++) {
    await next;
    const cur = bufs[i % 2];
    if (at + piece < size) next = h.read(bufs[(i + 1) % 2], 0, Math.min(piece, size - at - piece), at + piece);
    device.queue.writeBuffer(dst, at % DST, cur, 0, Math.min(piece, size - at));
    await flush(piece);
  }
  await device.queue.onSubmittedWorkDone();
  const ms = performance.now() - t0;
  dst.destroy();
  return ms;
}
for (const piece of [64 << 20, 16 << 20]) console.log(`read (reused, one ahead) + writeBuffer ${piece >> 20} MiB pieces: ${GB(size, await readWrite(piece))} GB/s`);
process.exit(0);
