// One palette for the parameter groups, shared by every chart.
export const PART_COLORS = {
  embedding: '#4e79a7',
  lmHead: '#a0cbe8',
  attention: '#f28e2b',
  ffn: '#59a14f',
  norms: '#b07aa1',
} as const;

export const PART_LABELS: Record<keyof typeof PART_COLORS, string> = {
  embedding: 'Embedding',
  lmHead: 'LM head',
  attention: 'Attention',
  ffn: 'FFN',
  norms: 'Norms',
};

export const PARTS = Object.keys(PART_COLORS) as (keyof typeof PART_COLORS)[];
