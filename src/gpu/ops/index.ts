// The GPU op set, one import for model/prune/eval code.
export { matmul, MATVEC_MAX_T, type MatmulOptions } from './matmul';
export { rmsNorm, type RmsNormOptions } from './norm';
export { rope, type RopeOptions } from './rope';
export { attention, type AttentionOptions } from './attention';
export { gatedActivation, addInPlace, type GatedKind } from './elementwise';
export { gatedProjection, fusesGateUp } from './gated-projection';
export { embedding, type EmbeddingOptions } from './embedding';
export { argmaxRows, lseUpdate, lseNll, lseInitialState } from './loss';
export { ffnStats } from './ffn-stats';
export { probSums } from './prob-sums';
export { gatherRows, gatherCols } from './gather';
