/**
 * Rank-based byte-pair merging (tiktoken's algorithm): start from single bytes and repeatedly merge
 * the adjacent pair whose concatenation has the lowest rank, leftmost first on ties, until no adjacent
 * pair is a token. Byte sequences are held as "binary strings" (one char per byte, code 0..255) so
 * that a Map<string, rank> can be the vocabulary and slicing is cheap.
 *
 * A binary heap with lazy invalidation keeps long pieces (a run of 100k letters is one pre-token)
 * at O(n log n) instead of tiktoken's O(n^2) rescans; the pop order (rank, then position) is the same.
 */

/** Bytes -> binary string (one UTF-16 unit per byte). */
export function bytesToBinaryString(bytes: Uint8Array): string {
  let s = '';
  const chunk = 8192; // keep apply() under the engine's argument limit
  for (let i = 0; i < bytes.length; i += chunk) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk) as unknown as number[]);
  }
  return s;
}

/** Binary string -> bytes. */
export function binaryStringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Min-heap of candidate merges ordered by (rank, left position). */
class MergeHeap {
  private rank: number[] = [];
  private left: number[] = [];
  private right: number[] = [];
  private end: number[] = [];

  get size(): number {
    return this.rank.length;
  }

  private less(i: number, j: number): boolean {
    return this.rank[i] < this.rank[j] || (this.rank[i] === this.rank[j] && this.left[i] < this.left[j]);
  }

  private swap(i: number, j: number): void {
    for (const a of [this.rank, this.left, this.right, this.end]) {
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  push(rank: number, left: number, right: number, end: number): void {
    this.rank.push(rank);
    this.left.push(left);
    this.right.push(right);
    this.end.push(end);
    let i = this.rank.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Removes the minimum; returns [left, right, end]. */
  pop(): [number, number, number] {
    const top: [number, number, number] = [this.left[0], this.right[0], this.end[0]];
    const last = this.rank.length - 1;
    this.swap(0, last);
    for (const a of [this.rank, this.left, this.right, this.end]) a.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && this.less(l, m)) m = l;
      if (r < last && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}

/**
 * Splits `piece` (a binary string) into tokens by rank-based BPE, considering only merges whose
 * rank is below `maxRank`. Returns the parts as binary strings, in order.
 */
export function bytePairSplit(piece: string, ranks: Map<string, number>, maxRank = Infinity): string[] {
  const n = piece.length;
  if (n <= 1) return n === 1 ? [piece] : [];
  // Node i covers piece[i, nextStart(i)); a node's start never changes, merged nodes die.
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1; // n = end sentinel
    prev[i] = i - 1;
  }
  const endOf = (i: number) => next[i];
  const heap = new MergeHeap();
  const consider = (i: number) => {
    if (i < 0) return;
    const j = next[i];
    if (j >= n) return;
    const end = endOf(j);
    const rank = ranks.get(piece.slice(i, end));
    if (rank !== undefined && rank < maxRank) heap.push(rank, i, j, end);
  };
  for (let i = 0; i + 1 < n; i++) consider(i);
  while (heap.size > 0) {
    const [i, j, end] = heap.pop();
    // Stale if either side was merged away or the right node grew since the candidate was pushed.
    if (!alive[i] || !alive[j] || next[i] !== j || endOf(j) !== end) continue;
    alive[j] = 0;
    next[i] = next[j];
    if (next[j] < n) prev[next[j]] = i;
    consider(prev[i]);
    consider(i);
  }
  const parts: string[] = [];
  for (let i = 0; i < n; i = next[i]) parts.push(piece.slice(i, next[i]));
  return parts;
}
