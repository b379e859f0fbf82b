// Kernels that read weights are written against `W4` / `w4()` (4 consecutive elements as vec4f);
// the snippet for the weight tensor's dtype is prepended, so one kernel serves f32, bf16 and f16
// weights (16-bit ones packed two per u32, unpacked exactly in the shader).
import f32Access from '../../../shaders/nn/weights/f32.wgsl?raw';
import bf16Access from '../../../shaders/nn/weights/bf16.wgsl?raw';
import f16Access from '../../../shaders/nn/weights/f16.wgsl?raw';
import type { Gpu } from '../context';
import { dtypeOf, type Tensor } from '../tensor';

const ACCESS = { f32: f32Access, bf16: bf16Access, f16: f16Access } as const;

/** The compute pipeline for a weight-reading kernel, specialised to w's dtype. */
export function weightPipeline(gpu: Gpu, key: string, code: string, w: Tensor, constants: Record<string, number> = {}): GPUComputePipeline {
  const dtype = dtypeOf(w);
  // WGSL directives (`enable ...;`) must precede every declaration: keep them first
  const directive = /^(enable|diagnostic)\b[^;]*;\s*$/gm;
  const directives = code.match(directive) ?? [];
  const body = code.replace(directive, '');
  return gpu.pipeline(`${key}/${dtype}`, `${directives.join('\n')}\n${ACCESS[dtype]}\n${body}`, constants);
}
