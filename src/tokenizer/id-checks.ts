// Every token id the files name must be a row of the model's embedding (V rows, vocab_size):
// the tokenizer's vocabulary and added tokens, the post-processor's ids, tokenizer_config's
// added_tokens_decoder, and the special ids of config.json (top level and text_config) and
// generation_config.json. Checked after the checkpoint's shapes are known, before any upload.
import { ModelFileError } from '../io/errors';
import { brief } from '../io/json-structure';
import { SPECIAL_ID_KEYS, postProcessorIds } from './special';
import { isTokenId } from './tokenizer-checks';
import type { TokenizerJson } from './tokenizer-json';

type Json = Record<string, unknown>;

export interface IdFiles {
  tokenizerJson: TokenizerJson;
  tokenizerConfig?: Json;
  config: Json;
  generationConfig?: Json;
}

export function checkTokenIds(files: IdFiles, vocabRows: number): void {
  const rows = `the model has ${vocabRows} embedding rows (vocab_size ${vocabRows})`;
  const tokFix = 'This tokenizer.json belongs to another model: use the tokenizer files that came with these weights';
  const model = files.tokenizerJson.model;
  if (Array.isArray(model.vocab)) {
    if (model.vocab.length > vocabRows) throw new ModelFileError('tokenizer.json', `model.vocab has ${model.vocab.length} pieces, but ${rows}`, tokFix);
  } else {
    for (const [token, id] of Object.entries(model.vocab)) {
      if (id >= vocabRows) throw new ModelFileError('tokenizer.json', `token ${brief(token)} has id ${id}, but ${rows}`, tokFix);
    }
  }
  for (const t of files.tokenizerJson.added_tokens ?? []) {
    if (t.id >= vocabRows) throw new ModelFileError('tokenizer.json', `added token ${brief(t.content)} has id ${t.id}, but ${rows}`, tokFix);
  }
  for (const id of postProcessorIds(files.tokenizerJson.post_processor)) {
    if (!isTokenId(id) || id >= vocabRows) throw new ModelFileError('tokenizer.json', `post_processor names token id ${brief(id)}, but ${rows}`, tokFix);
  }
  const decoder = files.tokenizerConfig?.added_tokens_decoder;
  if (decoder && typeof decoder === 'object') {
    for (const key of Object.keys(decoder)) {
      if (Number(key) >= vocabRows) {
        throw new ModelFileError('tokenizer_config.json', `added_tokens_decoder id ${key} is not below the vocabulary size ${vocabRows}`, 'Use the tokenizer_config.json that came with these weights');
      }
    }
  }
  checkConfigIds(files.config, 'config.json', vocabRows);
  if (files.generationConfig) checkConfigIds(files.generationConfig, 'generation_config.json', vocabRows);
}

/** bos/eos/pad/... ids: null, a token id, or (eos) a list of them; all below V. */
function checkConfigIds(config: Json, file: string, vocabRows: number): void {
  const text = config.text_config;
  const scopes: [Json, string][] = [[config, '']];
  if (typeof text === 'object' && text !== null && !Array.isArray(text)) scopes.push([text as Json, 'text_config.']);
  for (const [obj, at] of scopes) {
    for (const key of SPECIAL_ID_KEYS) {
      const v = obj[key];
      if (v === undefined || v === null) continue;
      for (const id of Array.isArray(v) ? v : [v]) {
        const problem = !isTokenId(id) ? 'is not a token id' : id >= vocabRows ? `is not below the vocabulary size ${vocabRows}` : null;
        if (!problem) continue;
        const what = Array.isArray(v) ? `${at}${key} ${brief(v)}: ${brief(id)}` : `${at}${key} ${brief(v)}`;
        throw new ModelFileError(file, `${what} ${problem}`, `Fix ${at}${key} in ${file} (use the file that came with these weights; token ids must be rows of the embedding)`);
      }
    }
  }
}
