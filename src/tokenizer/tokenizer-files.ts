// Reads and checks a model folder's tokenizer files (tokenizer.json required, tokenizer_config.json
// optional): strict JSON (io/json-files), then their structure (tokenizer-checks).
import { readJsonObject } from '../io/json-files';
import type { ModelFiles } from '../io/source';
import { checkTokenizerConfig, checkTokenizerJson } from './tokenizer-checks';
import type { TokenizerJson } from './tokenizer-json';

export async function readTokenizerFiles(files: ModelFiles): Promise<{ tokenizerJson: TokenizerJson & Record<string, unknown>; tokenizerConfig?: Record<string, unknown> }> {
  const tokenizerJson = await readJsonObject(files, 'tokenizer.json', true);
  checkTokenizerJson(tokenizerJson);
  const tokenizerConfig = await readJsonObject(files, 'tokenizer_config.json', false);
  if (tokenizerConfig !== undefined) checkTokenizerConfig(tokenizerConfig);
  return { tokenizerJson: tokenizerJson as TokenizerJson & Record<string, unknown>, tokenizerConfig };
}
