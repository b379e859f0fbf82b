// The FFN channel criteria (pure, no GPU: the studio's settings validate against this list).
export type Criterion = 'common-act2' | 'act2' | 'magnitude' | 'output-act2';
export const CRITERIA: Criterion[] = ['common-act2', 'act2', 'magnitude', 'output-act2'];
