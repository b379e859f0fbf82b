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
  const info: DeviceInfo = {
    vendor: ai?.vendor ?? '',
    architecture: ai?.architecture ?? '',
    description: ai?.description ?? '',
    isFallbackAdapter: Boolean((ai as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter),
    features: [...device.features],
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxBufferSize: device.limits.maxBufferSize,
  };
  return { device, info, lost: device.lost };
}

/** One line naming the adapter, for logs and benchmark output. */
export function deviceLabel(info: DeviceInfo): string {
  return `${info.vendor} ${info.architecture} ${info.description}`.trim();
}
