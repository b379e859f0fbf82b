// The FFN criteria the engine offers, for callers above it (the store, the CLI).
export { CRITERIA, type Criterion } from '../prune/criteria';
