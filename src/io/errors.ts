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

export class UnsupportedModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedModelError';
  }
}
