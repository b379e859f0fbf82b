// Acquire an adapter + device with the adapter's real limits (principle 4) and
// wire loss/uncaptured errors once (principle 7). DOM-free: works in a worker and in Node.

export class GpuUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuUnavailableError';
  }
}

export interface DeviceInfo {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  /** tensor-core configurations the adapter lists ("f16->f32 16x16x16"); empty without them */
  subgroupMatrixConfigs?: string[];
}

/** What the engine needs to know of the adapter beyond the device's features and limits. */
export interface AdapterDetails {
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
  /** Dawn's experimental subgroup-matrix configurations (tensor cores), e.g. f16 -> f32 at 16x16x16 */
  subgroupMatrixConfigs?: { componentType: string; resultComponentType: string; M: number; N: number; K: number }[];
}

const adapterDetails = new WeakMap<GPUDevice, AdapterDetails>();

/** The adapter details recorded by acquireDevice (else the device's adapterInfo, where it has one). */
export function adapterDetailsOf(device: GPUDevice): AdapterDetails | undefined {
  return adapterDetails.get(device) ?? (device as GPUDevice & { adapterInfo?: AdapterDetails }).adapterInfo;
}

export interface AcquiredDevice {
  device: GPUDevice;
  info: DeviceInfo;
  /** Resolves when the device is lost (never rejects). */
  lost: Promise<GPUDeviceLostInfo>;
}

const WANTED_FEATURES = ['timestamp-query', 'subgroups', 'shader-f16', 'chromium-experimental-subgroup-matrix'] as GPUFeatureName[];

export async function acquireDevice(gpu: GPU | undefined, onUncapturedError?: (e: GPUError) => void): Promise<AcquiredDevice> {
  if (!gpu) {
    throw new GpuUnavailableError(
      'WebGPU is not available here. Use a recent Chrome or Edge (or Chromium with --enable-unsafe-webgpu), or run the CLI in Node.',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new GpuUnavailableError('No WebGPU adapter was found. Check that GPU acceleration is enabled, or install a Vulkan driver (SwiftShader works on CPU).');
  }
  const limits = adapter.limits;
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
    maxBufferSize: limits.maxBufferSize,
    maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: limits.maxComputeWorkgroupSizeY,
    maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
  };
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  if (onUncapturedError) device.addEventListener('uncapturederror', (ev) => onUncapturedError((ev as GPUUncapturedErrorEvent).error));
  const ai = adapter.info;
  const extra = ai as GPUAdapterInfo & AdapterDetails;
  adapterDetails.set(device, {
    subgroupMinSize: extra?.subgroupMinSize,
    subgroupMaxSize: extra?.subgroupMaxSize,
    subgroupMatrixConfigs: [...(extra?.subgroupMatrixConfigs ?? [])].map((c) => ({
      componentType: String(c.componentType), resultComponentType: String(c.resultComponentType), M: c.M, N: c.N, K: c.K,
    })),
  });
  const info: DeviceInfo = {
    vendor: ai?.vendor ?? '',
    architecture: ai?.architecture ?? '',
    description: ai?.description ?? '',
    isFallbackAdapter: Boolean((ai as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter),
    features: [...device.features],
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxBufferSize: device.limits.maxBufferSize,
    subgroupMatrixConfigs: (adapterDetails.get(device)!.subgroupMatrixConfigs ?? []).map((c) => `${c.componentType}->${c.resultComponentType} ${c.M}x${c.N}x${c.K}`),
  };
  return { device, info, lost: device.lost };
}

/** One line naming the adapter, for logs and benchmark output. */
export function deviceLabel(info: DeviceInfo): string {
  return `${info.vendor} ${info.architecture} ${info.description}`.trim();
}
