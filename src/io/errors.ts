// Typed errors at the file boundary: each names the file and says what to do.

export class ModelFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${file}: ${problem}. ${fix}`);
    this.name = 'ModelFileError';
  }
}

/** A model this tool does not implement (architecture, activation, rope type): names the file and the way out. */
export class UnsupportedModelError extends Error {
  constructor(
    readonly problem: string,
    readonly file = 'config.json',
    readonly fix = 'Use a Llama, Mistral, Qwen2/2.5/3 or Gemma 1/2/3 causal LM (its own config.json from the Hugging Face repository)',
  ) {
    super(`${file}: ${problem}. ${fix}`);
    this.name = 'UnsupportedModelError';
  }
}

/** The export's destination cannot be used (exists, inside the model, not writable, a link). */
export class OutputFolderError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${file}: ${problem}. ${fix}`);
    this.name = 'OutputFolderError';
  }
}
