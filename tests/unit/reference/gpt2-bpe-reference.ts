/**
 * OpenAI GPT-2 encoder.py's `bpe()` (merge-list algorithm), driven only by the Hugging Face files
 * (vocab.json, merges.txt): an implementation independent of the rank-based merging in src/data/bpe.ts.
 */
import { bytesToUnicode } from '../../../src/data/hf-tokenizer-files';

export function referenceGpt2Encoder(files: Record<string, string>): (pieces: string[]) => number[] {
  const vocab = JSON.parse(files['vocab.json']) as Record<string, number>;
  const mergeLines = files['merges.txt'].split('\n').slice(1, -1);
  const pairRank = new Map<string, number>();
  mergeLines.forEach((line, i) => {
    const [a, b] = line.split(' ');
    pairRank.set(`${a} ${b}`, i);
  });
  const byteChar = bytesToUnicode();
  const encoder = new TextEncoder();

  const bpe = (token: string[]): string[] => {
    let word = token;
    while (word.length > 1) {
      let best: [string, string] | undefined;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < word.length; i++) {
        const r = pairRank.get(`${word[i]} ${word[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = [word[i], word[i + 1]];
        }
      }
      if (!best) break;
      const merged: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (i + 1 < word.length && word[i] === best[0] && word[i + 1] === best[1]) {
          merged.push(best[0] + best[1]);
          i += 2;
        } else {
          merged.push(word[i]);
          i += 1;
        }
      }
      word = merged;
    }
    return word;
  };

  return (pieces) =>
    pieces.flatMap((piece) => {
      const chars = Array.from(encoder.encode(piece), (b) => byteChar[b]);
      return bpe(chars).map((t) => {
        const id = vocab[t];
        if (id === undefined) throw new Error(`reference BPE produced '${t}', which is not in vocab.json`);
        return id;
      });
    });
}
