// `compact-studio selftest`: kernel checks against CPU references on this machine's GPU, for
// kernels the CI machine cannot run (the tensor-core matmul needs subgroup matrices). Prints
// one JSON object; exits 1 when a check fails.
import { acquireDevice, deviceLabel } from '../gpu/device';
import { nodeGpu } from '../gpu/node-device';
import { Gpu } from '../gpu/context';
import { fastMatmulChecks } from '../gpu/ops/kernel-checks';
import { checkFastMatmul } from '../gpu/fast-check';
import { fastKernelCode, type FastKernel } from '../gpu/ops/matmul';

async function compileMessages(device: GPUDevice, kernel: FastKernel): Promise<string> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code: fastKernelCode(kernel), label: `sgmat check ${kernel}` });
  const info = await module.getCompilationInfo();
  device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main', constants: { ACCUMULATE: 1 } } });
  const err = await device.popErrorScope();
  return `${kernel}: ${[...info.messages.map((m) => `${m.type} ${m.lineNum}:${m.linePos} ${m.message}`), err ? `pipeline: ${err.message}` : 'pipeline ok'].join(' | ')}`;
}

export async function runSelftest(): Promise<boolean> {
  const { device, info } = await acquireDevice(await nodeGpu(), (e) => console.error(`WebGPU error: ${e.message}`));
  const gpu = new Gpu(device);
  // the tensor-core kernel's compile messages, if any (a driver may refuse what Tint accepts)
  const kernels: FastKernel[] = ['f16', 'split'];
  const messages: string[] = [];
  if (gpu.hasFastMatmul) for (const k of kernels) messages.push(await compileMessages(device, k)); // one error scope at a time
  const compile = gpu.hasFastMatmul ? messages.join(' || ') : 'not compiled: no subgroup matrices on this adapter';
  await checkFastMatmul(gpu);
  const checks = await fastMatmulChecks(gpu);
  const ok = checks.every((c) => c.ok);
  console.log(JSON.stringify({ device: deviceLabel(info), fastMatmul: gpu.hasFastMatmul, fastProblem: gpu.fastProblem, configs: info.subgroupMatrixConfigs, subgroupSize: gpu.subgroupSize, features: info.features, compile, ok, checks }));
  device.destroy();
  return ok;
}
