import { describe, expect, it } from 'vitest';
import { modelLabel } from './model-label';

const json = (path: string, v: unknown) => ({ path, file: new File([JSON.stringify(v)], path) });
const hash = '0123456789abcdef0123456789abcdef01234567';

describe('modelLabel', () => {
  it('uses the folder name', async () => {
    expect(await modelLabel('stories260K', [json('config.json', { _name_or_path: 'someone/other' })])).toBe('stories260K');
  });
  it("uses the config's name for loose files or a cache snapshot folder", async () => {
    expect(await modelLabel(null, [json('config.json', { _name_or_path: 'meta-llama/Llama-3.2-1B' })])).toBe('Llama-3.2-1B');
    expect(await modelLabel(hash, [json('config.json', { _name_or_path: '/home/me/models/my-tune/' })])).toBe('my-tune');
    expect(await modelLabel(null, [json('config.json', {}), json('tokenizer_config.json', { name_or_path: 'Qwen/Qwen2.5-0.5B' })])).toBe('Qwen2.5-0.5B');
  });
  it('falls back to the snapshot folder, the architecture, the model type, then "model"', async () => {
    expect(await modelLabel(hash, [json('config.json', {})])).toBe(hash);
    expect(await modelLabel(null, [json('config.json', { architectures: ['LlamaForCausalLM'], model_type: 'llama' })])).toBe('LlamaForCausalLM');
    expect(await modelLabel(null, [json('config.json', { model_type: 'gemma3' })])).toBe('gemma3 model');
    expect(await modelLabel(null, [{ path: 'config.json', file: new File(['{not json'], 'config.json') }])).toBe('model');
    expect(await modelLabel(null, [])).toBe('model');
  });
});
