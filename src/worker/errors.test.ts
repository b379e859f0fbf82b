import { describe, expect, it } from 'vitest';
import { toWorkerError } from './errors';
import { ModelFileError, UnsupportedModelError } from '../io/errors';
import { GpuUnavailableError } from '../gpu/device';

describe('toWorkerError', () => {
  it('names the file and the fix for ModelFileError', () => {
    const e = toWorkerError(new ModelFileError('model.safetensors', 'header length exceeds file size', 'Re-download the file.'));
    expect(e).toEqual({ kind: 'file', message: 'model.safetensors: header length exceeds file size', fix: 'Re-download the file.', file: 'model.safetensors' });
  });
  it('classifies missing WebGPU, unsupported models, adapter limits and the rest', () => {
    expect(toWorkerError(new GpuUnavailableError('WebGPU is not available here.')).kind).toBe('no-webgpu');
    expect(toWorkerError(new UnsupportedModelError('model_type gpt2 is not supported')).kind).toBe('unsupported');
    expect(toWorkerError(new Error('tensor of 3 GB exceeds maxStorageBufferBindingSize')).kind).toBe('adapter');
    const other = toWorkerError('boom');
    expect(other.kind).toBe('engine');
    expect(other.message).toBe('boom');
  });
  it('says the disk or the storage quota is full, whichever way the write reports it', () => {
    const quota = toWorkerError(new DOMException('The operation failed because it would cause the application to exceed its storage quota.', 'QuotaExceededError'));
    expect(quota.kind).toBe('file');
    expect(quota.message).toMatch(/no room to save the export: .*storage quota/);
    expect(quota.fix).toMatch(/Free disk space/);
    expect(toWorkerError(new Error("ENOSPC: no space left on device, write")).message).toMatch(/no room/);
    expect(toWorkerError(new Error('unrelated failure')).kind).toBe('engine');
  });
});
