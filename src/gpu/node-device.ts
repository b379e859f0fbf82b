// Node-only: a GPUDevice from the `webgpu` package (Dawn). On machines without a
// GPU device node we point Dawn at Chromium's SwiftShader ICD (Debian `chromium`).
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

function chooseVulkanDriver(): void {
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return;
  // Mesa's ICDs are often installed without hardware (and Dawn refuses lavapipe):
  // only trust the system drivers when a GPU device node exists.
  const hasGpuNode = existsSync('/dev/nvidia0') || (existsSync('/dev/dri') && readdirSync('/dev/dri').some((f) => f.startsWith('renderD')));
  if (!hasGpuNode && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

let gpuSingleton: GPU | undefined;

/**
 * Dawn toggles for the Node engine: allow_unsafe_apis and vulkan_enable_f16_on_nvidia expose
 * shader-f16 and subgroup matrices (tensor cores) where the driver has them. COMPACT_DAWN_TOGGLES
 * replaces the list (benchmarks compare e.g. disable_robustness).
 */
export function dawnToggles(): string {
  return process.env.COMPACT_DAWN_TOGGLES ?? 'allow_unsafe_apis,vulkan_enable_f16_on_nvidia';
}

/** Creates (once per process) the `navigator.gpu` equivalent for Node. */
export async function nodeGpu(): Promise<GPU> {
  if (gpuSingleton) return gpuSingleton;
  chooseVulkanDriver();
  const webgpu = await import('webgpu');
  Object.assign(globalThis, webgpu.globals);
  gpuSingleton = webgpu.create([`enable-dawn-features=${dawnToggles()}`]) as GPU;
  return gpuSingleton;
}
