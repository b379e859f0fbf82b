// Research: alternative token scores for the vocabulary ranking (higher = kept first); they
// replace the calibration counts that 'frequency' order sorts by.
export type RankingName = 'count';
export function rankScores(name: RankingName, inp: { counts: Uint32Array; V: number; tokenizerJson: any }): Uint32Array {
  switch (name) {
    case 'count':
      return inp.counts;
  }
}
