// Every check a model folder gets before anything is uploaded, in order: tokenizer files (a
// missing tokenizer.json fails at once), config and safetensors headers against the weight
// table, every token id against the embedding rows, then the tokenizer is built. openSession
// runs it before the upload; the fuzz suite runs it on damaged folders (no GPU needed).
import type { ModelFiles } from '../io/source';
import { inspectModel, type InspectedModel } from '../model/open';
import { checkTokenIds } from '../tokenizer/id-checks';
import { TextTokenizer } from '../tokenizer/text-tokenizer';
import { readTokenizerFiles } from '../tokenizer/tokenizer-files';
import type { TokenizerJson } from '../tokenizer/tokenizer-json';

export interface InspectedFolder {
  model: InspectedModel;
  tokenizerJson: TokenizerJson & Record<string, unknown>;
  tokenizerConfig?: Record<string, unknown>;
  tokenizer: TextTokenizer;
}

export async function inspectFolder(files: ModelFiles): Promise<InspectedFolder> {
  const { tokenizerJson, tokenizerConfig } = await readTokenizerFiles(files);
  const model = await inspectModel(files);
  checkTokenIds({ tokenizerJson, tokenizerConfig, config: model.config, generationConfig: model.generationConfig }, model.spec.vocabSize);
  const tokenizer = TextTokenizer.fromJson(tokenizerJson, tokenizerConfig);
  return { model, tokenizerJson, tokenizerConfig, tokenizer };
}
