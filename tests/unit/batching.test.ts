import { beforeAll, describe, expect, it } from 'vitest';
import { documentRowsToBatch, trimmedLength } from '../../src/train/batching';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

describe('DP micro-batch tensors', () => {
  it('trims to the longest window, rounded up to a multiple of 32, at most the context length', () => {
    expect(trimmedLength([[1, 2]], 128)).toBe(32);
    expect(trimmedLength([Array(33).fill(1), null], 128)).toBe(32);
    expect(trimmedLength([Array(34).fill(1)], 128)).toBe(64);
    expect(trimmedLength([Array(129).fill(1)], 128)).toBe(128);
    expect(trimmedLength([Array(20).fill(1)], 16)).toBe(16);
  });

  it('lays out each document as K consecutive rows of its windows, shifted targets, masked pads', async () => {
    const docs = [
      [
        [1, 2, 3],
        [3, 4],
      ],
      [[5, 6, 7, 8]],
      [
        [9, 10],
        [10, 11, 12],
      ],
    ];
    const batch = documentRowsToBatch(
      {
        windowsPerExample: 2,
        rows: [
          { documentIndex: 2, windowIndices: [0, 1] },
          { documentIndex: 0, windowIndices: [0, 1] },
        ],
      },
      docs,
      128,
      0,
    );
    expect(batch.inputs.shape).toEqual([4, 32]);
    const inputs = await batch.inputs.array();
    const targets = await batch.targets.array();
    const mask = await batch.mask.array();
    expect(inputs.map((r) => r.slice(0, 3))).toEqual([
      [9, 0, 0],
      [10, 11, 0],
      [1, 2, 0],
      [3, 0, 0],
    ]);
    expect(targets.map((r) => r.slice(0, 2))).toEqual([
      [10, 0],
      [11, 12],
      [2, 3],
      [4, 0],
    ]);
    expect(mask.map((r) => r.reduce((a, b) => a + b, 0))).toEqual([1, 2, 2, 1]);
    expect(() =>
      documentRowsToBatch(
        { windowsPerExample: 2, rows: [{ documentIndex: 1, windowIndices: [0] }] },
        docs,
        128,
        0,
      ),
    ).toThrow(/has 1 windows in a micro-batch of 2/);
  });
});
