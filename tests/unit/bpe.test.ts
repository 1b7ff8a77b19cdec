import { describe, expect, it } from 'vitest';
import { bytePairSplit } from '../../src/data/bpe';
import { seededRandom } from './helpers/random';

/** tiktoken's `_byte_pair_merge`, literally: rescan all pairs, merge the leftmost lowest rank. */
function naiveSplit(piece: string, ranks: Map<string, number>, maxRank = Infinity): string[] {
  let parts = Array.from(piece);
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = ranks.get(parts[i] + parts[i + 1]);
      if (r !== undefined && r < maxRank && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) return parts;
    parts = [...parts.slice(0, best), parts[best] + parts[best + 1], ...parts.slice(best + 2)];
  }
}

describe('bytePairSplit (heap merge) vs the naive rescan', () => {
  it('agrees on random vocabularies, including ties in position and maxRank cut-offs', () => {
    const rand = seededRandom(42);
    for (let trial = 0; trial < 300; trial++) {
      const alphabet = 'abcd'.slice(0, 2 + (trial % 3));
      const ranks = new Map<string, number>();
      for (const c of alphabet) ranks.set(c, ranks.size);
      // Grow a vocabulary by merging random existing tokens (as BPE training would).
      const tokens = Array.from(alphabet);
      for (let k = 0; k < 12; k++) {
        const t = tokens[Math.floor(rand() * tokens.length)] + tokens[Math.floor(rand() * tokens.length)];
        if (!ranks.has(t)) {
          ranks.set(t, ranks.size);
          tokens.push(t);
        }
      }
      let piece = '';
      const len = 1 + Math.floor(rand() * 40);
      for (let i = 0; i < len; i++) piece += alphabet[Math.floor(rand() * alphabet.length)];
      const maxRank = trial % 4 === 0 ? Math.floor(rand() * ranks.size) : Infinity;
      const fast = bytePairSplit(piece, ranks, maxRank);
      expect(fast, `${piece} ${[...ranks.keys()]}`).toEqual(naiveSplit(piece, ranks, maxRank));
      expect(fast.join('')).toBe(piece);
    }
  });

  it('merges a run of one repeated pair left to right', () => {
    const ranks = new Map([
      ['a', 0],
      ['aa', 1],
    ]);
    expect(bytePairSplit('aaaaa', ranks)).toEqual(['aa', 'aa', 'a']);
    expect(bytePairSplit('', ranks)).toEqual([]);
  });
});
