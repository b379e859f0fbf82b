// Gpu: one device, its limits, tensor allocation, reads, a pipeline cache and
// a uniform-buffer pool. Recorder: one command encoder that kernels append to.
import { adapterDetailsOf } from './device';
import { DeviceLostError, GpuOutOfMemoryError, TensorTooLargeError } from './errors';
import { bufferBytes, elementBytes, numel, type Tensor, type TensorDtype } from './tensor';
import type { KernelProfiler } from './profiler';

/** GPU memory held by the engine's buffers. */
export interface GpuMemory {
  allocatedBytes: number;
  peakBytes: number;
}

export type Binding = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

function isBufferBinding(b: Binding): b is { buffer: GPUBuffer; offset?: number; size?: number } {
  return typeof (b as { buffer?: unknown }).buffer === 'object';
}

// WebGPU flag values (spec constants), spelled out because Node only installs the
// GPUBufferUsage/GPUMapMode globals after the device module loads.
const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const MAP_READ_MODE = 0x1;
const TENSOR_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;
/** Kernels' uniform structs are far smaller than this. */
const UNIFORM_BYTES = 256;
const MAX_CACHED_UNIFORMS = 4096;
const MAX_CACHED_BIND_GROUPS = 8192;

export class Gpu {
  readonly limits: GPUSupportedLimits;
  readonly hasTimestamps: boolean;
  /** the device has the 'subgroups' feature (decode kernels reduce with subgroupAdd). */
  readonly hasSubgroups: boolean;
  /** the one subgroup size of the adapter (null when it varies or is unknown). */
  readonly subgroupSize: number | null;
  /** tensor-core matmuls are available: subgroup matrices f16 x f16 -> f32 at 16x16x16, shader-f16, a fixed
   *  subgroup size, and (once checkFastMatmul ran) a self-check that passed. */
  get hasFastMatmul(): boolean {
    return this.fastMatmul && this.fastProblem === null;
  }
  private readonly fastMatmul: boolean;
  /** why the tensor-core path is off although the adapter offers it (the self-check failed), else null */
  fastProblem: string | null = null;
  /** benchmarks: when set, every dispatch is timed on its own (profiler.ts) */
  profiler: KernelProfiler | null = null;
  private readonly scratchBuffers = new Map<string, GPUBuffer>();
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private lostInfo: GPUDeviceLostInfo | undefined;
  private readonly sizes = new WeakMap<GPUBuffer, number>();
  private allocated = 0;
  private peak = 0;

  constructor(readonly device: GPUDevice) {
    this.limits = device.limits;
    this.hasTimestamps = device.features.has('timestamp-query');
    this.hasSubgroups = device.features.has('subgroups');
    const info = adapterDetailsOf(device);
    this.subgroupSize = info?.subgroupMinSize && info.subgroupMinSize === info.subgroupMaxSize ? info.subgroupMinSize : null;
    this.fastMatmul =
      this.hasSubgroups &&
      this.subgroupSize === 32 && // matmul_sgmat.wgsl's layout: 8 subgroups of 32
      device.features.has('shader-f16') &&
      device.features.has('chromium-experimental-subgroup-matrix' as GPUFeatureName) &&
      (info?.subgroupMatrixConfigs ?? []).some((c) => c.componentType.toLowerCase() === 'f16' && c.resultComponentType.toLowerCase() === 'f32' && c.M === 16 && c.N === 16 && c.K === 16);
    void device.lost.then((info) => {
      this.lostInfo = info;
    });
  }

  /** Throws DeviceLostError once the device is gone, so callers fail with a clear message. */
  assertAlive(): void {
    if (this.lostInfo) throw new DeviceLostError(this.lostInfo.reason, this.lostInfo.message);
  }

  /**
   * A scratch f32 buffer of at least `count` elements, one per name, grown as needed (kernels that
   * need a small temporary, such as the fast matmul's row scales; dispatches in order may share it).
   * Outgrown ones are kept (they are small), so no recorded command loses its buffer.
   */
  scratch(name: string, count: number): GPUBuffer {
    const bytes = Math.max(16, Math.ceil((count * 4) / 16) * 16);
    const cur = this.scratchBuffers.get(name);
    if (cur && cur.size >= bytes) return cur;
    // a smaller one stays alive: commands recorded but not yet submitted may still use it
    const b = this.createBuffer({ label: `scratch ${name}`, size: bytes, usage: TENSOR_USAGE });
    this.scratchBuffers.set(name, b);
    return b;
  }

  /** Bytes of every live buffer made through this Gpu, and the most there ever were at once. */
  memory(): GpuMemory {
    return { allocatedBytes: this.allocated, peakBytes: this.peak };
  }

  /** Starts a new peak measurement from what is allocated now. */
  resetPeak(): void {
    this.peak = this.allocated;
  }

  /** createBuffer with accounting (every engine buffer goes through here). */
  createBuffer(desc: GPUBufferDescriptor): GPUBuffer {
    const buffer = this.reused(desc) ?? this.device.createBuffer(desc);
    if (desc.usage === TENSOR_USAGE) this.reusable.add(buffer);
    this.sizes.set(buffer, desc.size);
    this.allocated += desc.size;
    this.peak = Math.max(this.peak, this.allocated);
    return buffer;
  }

  // Buffer reuse (withBufferReuse): tensors freed inside the scope wait, by size, for the next
  // tensor of the same size, as PyTorch's caching allocator keeps activations between passes.
  // Creating and lazily zeroing ~1.5 GB of pass buffers took 11 ms per Qwen2.5-0.5B pass on the H200.
  private reusePool: Map<number, GPUBuffer[]> | null = null;
  private readonly reusable = new WeakSet<GPUBuffer>();
  private readonly pooled = new Set<GPUBuffer>();

  /**
   * Runs `fn` with freed tensors kept for reuse (a calibration's passes allocate the same buffers
   * each time); all kept ones are destroyed when it ends. Nested calls share the outer scope.
   */
  async withBufferReuse<T>(fn: () => Promise<T>): Promise<T> {
    if (this.reusePool) return fn();
    this.reusePool = new Map();
    try {
      return await fn();
    } finally {
      this.releaseReusePool();
      this.reusePool = null;
    }
  }

  /** Bytes of freed buffers waiting for reuse (not counted in memory().allocatedBytes). */
  get reusableBytes(): number {
    let n = 0;
    for (const [size, list] of this.reusePool ?? []) n += size * list.length;
    return n;
  }

  /** A kept buffer for this request, cleared to zero; null when none fits. A request of another
   *  size of 1 MiB or more first frees every kept buffer: they must not hold memory it may need. */
  private reused(desc: GPUBufferDescriptor): GPUBuffer | null {
    if (!this.reusePool || desc.usage !== TENSOR_USAGE) return null;
    const list = desc.mappedAtCreation ? undefined : this.reusePool.get(desc.size);
    const b = list?.pop();
    if (b) {
      this.pooled.delete(b);
      const enc = this.device.createCommandEncoder({ label: 'clear reused buffer' });
      enc.clearBuffer(b); // tensors start zeroed; queue order puts this after the work of its last owner
      this.device.queue.submit([enc.finish()]);
      return b;
    }
    if (desc.size >= 2 ** 20) this.releaseReusePool();
    return null;
  }

  private releaseReusePool(): void {
    for (const list of this.reusePool?.values() ?? []) for (const b of list) b.destroy();
    this.reusePool?.clear();
    this.pooled.clear();
  }

  /** Allocates an f32 tensor (zeroed unless data is given). Throws TensorTooLargeError above one binding. */
  tensor(shape: number[], label: string, data?: Float32Array): Tensor {
    this.assertAlive();
    const count = numel(shape);
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`${label}: invalid shape [${shape.join(', ')}]`);
    const bytes = count * 4;
    if (bytes > this.limits.maxStorageBufferBindingSize) throw new TensorTooLargeError(label, bytes, this.limits.maxStorageBufferBindingSize);
    if (data && data.length !== count) throw new RangeError(`${label}: data has ${data.length} elements, shape needs ${count}`);
    const buffer = this.createBuffer({ label, size: bufferBytes(shape, 'f32'), usage: TENSOR_USAGE, mappedAtCreation: Boolean(data) });
    if (data) {
      new Float32Array(buffer.getMappedRange(0, bytes)).set(data);
      buffer.unmap();
    }
    return { buffer, shape: [...shape], label };
  }

  /**
   * Allocates a weight tensor in its stored dtype (f32, or bf16/f16 packed two per u32) and, when
   * given, fills it with the raw little-endian bytes as stored in safetensors. The bytes go through
   * queue.writeBuffer, not mappedAtCreation: on Dawn + SwiftShader that loads a 988 MB model in
   * 1.7 s instead of 4.1 s with 0.85 GB less peak RSS (the mapping keeps a second copy). Callers
   * uploading many weights wait for the queue now and then (model/load.ts) to bound staging memory.
   */
  weight(shape: readonly number[], dtype: TensorDtype, label: string, bytes?: Uint8Array): Tensor {
    this.assertAlive();
    const count = numel(shape);
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`${label}: invalid shape [${shape.join(', ')}]`);
    const used = count * elementBytes(dtype);
    if (used > this.limits.maxStorageBufferBindingSize) throw new TensorTooLargeError(label, used, this.limits.maxStorageBufferBindingSize);
    if (bytes && bytes.byteLength !== used) throw new RangeError(`${label}: ${bytes.byteLength} bytes given, [${shape.join(', ')}] ${dtype} needs ${used}`);
    const buffer = this.createBuffer({ label, size: bufferBytes(shape, dtype), usage: TENSOR_USAGE });
    const t: Tensor = { buffer, shape: [...shape], label, dtype };
    if (bytes) this.writeWeight(t, bytes);
    return t;
  }

  /** Queues raw bytes into a weight tensor's buffer (queue-ordered with submits: a slot reused by a later layer). */
  writeWeight(t: Tensor, bytes: Uint8Array, byteOffset = 0): void {
    this.assertAlive();
    const end = byteOffset + bytes.byteLength;
    if (byteOffset % 4 !== 0 || end > t.buffer.size) throw new RangeError(`${t.label}: write of ${bytes.byteLength} bytes at ${byteOffset} does not fit ${t.buffer.size}`);
    const whole = bytes.byteLength & ~3;
    if (whole > 0) this.device.queue.writeBuffer(t.buffer, byteOffset, bytes.buffer, bytes.byteOffset, whole);
    if (whole < bytes.byteLength) {
      // writeBuffer takes multiples of 4 bytes: the last 2 bytes of an odd 16-bit count go padded
      const tail = new Uint8Array(4);
      tail.set(bytes.subarray(whole));
      this.device.queue.writeBuffer(t.buffer, byteOffset + whole, tail);
    }
  }

  /** Like tensor(), but inside an out-of-memory error scope: rejects with GpuOutOfMemoryError. */
  async allocate(shape: number[], label: string, data?: Float32Array): Promise<Tensor> {
    this.device.pushErrorScope('out-of-memory');
    let t: Tensor;
    try {
      t = this.tensor(shape, label, data);
    } finally {
      const error = await this.device.popErrorScope();
      if (error) throw new GpuOutOfMemoryError(label, numel(shape) * 4, error.message);
    }
    return t;
  }

  /** A u32 storage buffer: from data, or `count` zeros when given a number. */
  u32Buffer(data: Uint32Array | number, label: string): GPUBuffer {
    this.assertAlive();
    const count = typeof data === 'number' ? data : data.length;
    const bytes = count * 4;
    const buffer = this.createBuffer({ label, size: Math.max(4, bytes), usage: TENSOR_USAGE, mappedAtCreation: typeof data !== 'number' });
    if (typeof data !== 'number') {
      new Uint32Array(buffer.getMappedRange(0, bytes)).set(data);
      buffer.unmap();
    }
    return buffer;
  }

  /** Writes data into t starting at element elementOffset (queue-ordered with submits). */
  upload(t: Tensor, data: Float32Array, elementOffset = 0): void {
    this.assertAlive();
    if (elementOffset + data.length > numel(t.shape)) {
      throw new RangeError(`${t.label}: upload of ${data.length} elements at ${elementOffset} overruns ${numel(t.shape)}`);
    }
    this.device.queue.writeBuffer(t.buffer, elementOffset * 4, data.buffer, data.byteOffset, data.byteLength);
  }

  async read(t: Tensor): Promise<Float32Array> {
    if (t.dtype && t.dtype !== 'f32') throw new RangeError(`${t.label}: read() returns f32; use readRaw() for ${t.dtype}`);
    const bytes = numel(t.shape) * 4;
    return new Float32Array(await this.readBytes(t.buffer, bytes));
  }

  /** Several f32 tensors in one round trip: one staging buffer, one map (a read per tensor costs a wait each). */
  async readMany(ts: Tensor[]): Promise<Float32Array[]> {
    for (const t of ts) if (t.dtype && t.dtype !== 'f32') throw new RangeError(`${t.label}: readMany() returns f32`);
    const sizes = ts.map((t) => numel(t.shape) * 4);
    const all = await this.readBuffers(ts.map((t, i) => ({ buffer: t.buffer, bytes: sizes[i] })));
    let at = 0;
    return sizes.map((n) => {
      const out = new Float32Array(all, at, n / 4);
      at += n;
      return out;
    });
  }

  /** A tensor's bytes as stored (16-bit weights stay packed). */
  async readRaw(t: Tensor): Promise<Uint8Array> {
    const used = numel(t.shape) * elementBytes(t.dtype ?? 'f32');
    return new Uint8Array(await this.readBytes(t.buffer, Math.ceil(used / 4) * 4)).subarray(0, used);
  }

  async readU32(buf: GPUBuffer, count: number): Promise<Uint32Array> {
    return new Uint32Array(await this.readBytes(buf, count * 4));
  }

  private readBytes(src: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    return this.readBuffers([{ buffer: src, bytes }]);
  }

  /** The first `bytes` of each buffer, back to back, through one staging buffer and one map. */
  private async readBuffers(srcs: { buffer: GPUBuffer; bytes: number }[]): Promise<ArrayBuffer> {
    this.assertAlive();
    const total = srcs.reduce((a, s) => a + s.bytes, 0);
    if (total === 0) return new ArrayBuffer(0);
    const staging = this.device.createBuffer({ label: 'read staging', size: total, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    const enc = this.device.createCommandEncoder({ label: 'read' });
    let at = 0;
    for (const s of srcs) {
      if (s.bytes > 0) enc.copyBufferToBuffer(s.buffer, 0, staging, at, s.bytes);
      at += s.bytes;
    }
    this.device.queue.submit([enc.finish()]);
    try {
      await staging.mapAsync(MAP_READ_MODE);
    } catch (e) {
      this.assertAlive();
      throw e;
    }
    const copy = staging.getMappedRange().slice(0);
    staging.destroy();
    return copy;
  }

  destroy(t: Tensor | GPUBuffer): void {
    const buffer = 'buffer' in t && 'shape' in t ? t.buffer : (t as GPUBuffer);
    const size = this.sizes.get(buffer);
    if (size === undefined && this.pooled.has(buffer)) return; // freed twice: it is already kept
    if (size !== undefined) {
      this.allocated -= size;
      this.sizes.delete(buffer);
      if (this.reusePool && this.reusable.has(buffer)) {
        const list = this.reusePool.get(size) ?? [];
        list.push(buffer);
        this.reusePool.set(size, list);
        this.pooled.add(buffer);
        return;
      }
    }
    buffer.destroy();
  }

  recorder(label = 'ops'): Recorder {
    this.assertAlive();
    return new Recorder(this, label);
  }

  /** A compute pipeline for WGSL `code` (entry point `main`), cached by key + override constants. */
  pipeline(key: string, code: string, constants: Record<string, number> = {}): GPUComputePipeline {
    const names = Object.keys(constants).sort();
    const fullKey = `${key}|${names.map((n) => `${n}=${constants[n]}`).join(',')}`;
    let p = this.pipelines.get(fullKey);
    if (!p) {
      let module = this.modules.get(key);
      if (!module) {
        module = this.device.createShaderModule({ label: key, code });
        this.modules.set(key, module);
      }
      p = this.device.createComputePipeline({ label: fullKey, layout: 'auto', compute: { module, entryPoint: 'main', constants } });
      this.pipelines.set(fullKey, p);
    }
    return p;
  }

  // Per-dispatch CPU work dominates small dispatches (decoding runs ~15 per layer per token), so
  // uniform buffers are kept by content (immutable once made) and bind groups by their exact
  // resources: a repeated dispatch costs neither a writeBuffer nor a createBindGroup.
  private readonly uniformCache = new Map<string, GPUBuffer>();
  private readonly bindGroupCache = new Map<string, GPUBindGroup>();
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private readonly pipelineIds = new WeakMap<GPUComputePipeline, number>();
  private nextId = 1;

  /** @internal A uniform buffer holding exactly `bytes` (shared by every dispatch with the same values). */
  uniformBuffer(bytes: ArrayBuffer): GPUBuffer {
    const key = String.fromCharCode(...new Uint16Array(bytes));
    let b = this.uniformCache.get(key);
    if (!b) {
      if (this.uniformCache.size >= MAX_CACHED_UNIFORMS) this.uniformCache.clear(); // dropped buffers live on while commands use them
      b = this.device.createBuffer({ label: 'uniforms', size: Math.max(16, Math.ceil(bytes.byteLength / 16) * 16), usage: USAGE.UNIFORM, mappedAtCreation: true });
      new Uint8Array(b.getMappedRange()).set(new Uint8Array(bytes));
      b.unmap();
      this.uniformCache.set(key, b);
    }
    return b;
  }

  /** @internal The bind group of `pipeline` over exactly these entries, made once. */
  bindGroup(pipeline: GPUComputePipeline, entries: { buffer: GPUBuffer; offset?: number; size?: number }[]): GPUBindGroup {
    let key = `${this.idOf(this.pipelineIds, pipeline)}`;
    for (const e of entries) key += `|${this.idOf(this.bufferIds, e.buffer)}:${e.offset ?? 0}:${e.size ?? -1}`;
    let g = this.bindGroupCache.get(key);
    if (!g) {
      if (this.bindGroupCache.size >= MAX_CACHED_BIND_GROUPS) this.bindGroupCache.clear();
      g = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: entries.map((resource, binding) => ({ binding, resource })) });
      this.bindGroupCache.set(key, g);
    }
    return g;
  }

  private idOf<T extends object>(ids: WeakMap<T, number>, o: T): number {
    let id = ids.get(o);
    if (id === undefined) {
      id = this.nextId++;
      ids.set(o, id);
    }
    return id;
  }
}

/**
 * Wraps one GPUCommandEncoder. Kernels append dispatches to a shared compute pass
 * (dispatches inside a pass are ordered and synchronised by WebGPU). Binding rule
 * for every kernel: storage buffers at @group(0) @binding(0..n-1) in the order
 * given, the uniform struct (if any) at @binding(n).
 */
export class Recorder {
  private enc: GPUCommandEncoder;
  private pass: GPUComputePassEncoder | undefined;
  private submitted = false;
  dispatchCount = 0;

  constructor(
    readonly gpu: Gpu,
    readonly label: string,
  ) {
    this.enc = gpu.device.createCommandEncoder({ label });
  }

  dispatch(pipeline: GPUComputePipeline, bindings: Binding[], workgroups: [number, number?, number?], uniforms?: ArrayBuffer): void {
    if (this.submitted) throw new Error(`Recorder ${this.label}: already submitted; create a new recorder.`);
    const [x, y = 1, z = 1] = workgroups;
    if (x === 0 || y === 0 || z === 0) return; // empty tensors: nothing to do
    const maxDim = this.gpu.limits.maxComputeWorkgroupsPerDimension;
    if (x > maxDim || y > maxDim || z > maxDim) throw new RangeError(`${pipeline.label}: workgroups [${x}, ${y}, ${z}] exceed ${maxDim} per dimension`);
    const entries = bindings.map((b) => (isBufferBinding(b) ? b : { buffer: b }));
    if (uniforms) {
      if (uniforms.byteLength > UNIFORM_BYTES) throw new RangeError(`${pipeline.label}: uniforms of ${uniforms.byteLength} bytes exceed ${UNIFORM_BYTES}`);
      entries.push({ buffer: this.gpu.uniformBuffer(uniforms) });
    }
    const bindGroup = this.gpu.bindGroup(pipeline, entries);
    const slot = this.gpu.profiler?.slot(`${pipeline.label} [${x},${y},${z}]`) ?? null;
    if (slot !== null) this.endPass(); // a timed dispatch gets a pass of its own
    const pass =
      slot === null
        ? this.computePass()
        : this.enc.beginComputePass({ label: pipeline.label, timestampWrites: { querySet: this.gpu.profiler!.querySet, beginningOfPassWriteIndex: 2 * slot, endOfPassWriteIndex: 2 * slot + 1 } });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    if (slot !== null) pass.end();
    this.dispatchCount++;
  }

  /** The raw encoder for copies and queries; ends the open compute pass first. */
  get encoder(): GPUCommandEncoder {
    this.endPass();
    return this.enc;
  }

  /** Opens a pass of its own whose start or end writes a timestamp (used by GpuTimer). */
  timestampPass(querySet: GPUQuerySet, index: number): void {
    this.endPass();
    const p = this.enc.beginComputePass({ label: 'timestamp', timestampWrites: { querySet, beginningOfPassWriteIndex: index } });
    p.end();
  }

  /** Finishes the encoder and submits it. */
  submit(): void {
    if (this.submitted) return;
    this.gpu.assertAlive();
    this.endPass();
    this.gpu.device.queue.submit([this.enc.finish()]);
    this.submitted = true;
  }

  private computePass(): GPUComputePassEncoder {
    this.pass ??= this.enc.beginComputePass({ label: this.label });
    return this.pass;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = undefined;
  }
}
