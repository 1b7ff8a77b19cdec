import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatRate } from '../../src/contract/format';
import { etaSeconds } from '../../src/ui/eta';

describe('etaSeconds', () => {
  it('is the remaining units at the observed rate', () => {
    // 20 units in 10 s = 2 units/s; 60 left -> 30 s.
    expect(etaSeconds({ time: 1000, done: 20 }, { time: 11_000, done: 40 }, 100)).toBe(30);
    expect(etaSeconds({ time: 0, done: 0 }, { time: 5000, done: 100 }, 100)).toBe(0);
  });

  it('is unknown without progress between two marks', () => {
    expect(etaSeconds(undefined, { time: 1, done: 1 }, 10)).toBeNull();
    expect(etaSeconds({ time: 1000, done: 5 }, { time: 1000, done: 5 }, 10)).toBeNull();
    expect(etaSeconds({ time: 1000, done: 5 }, { time: 9000, done: 5 }, 10)).toBeNull();
  });
});

describe('formatting', () => {
  it('formats bytes with decimal units and durations in s / min / h', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(6_170_000)).toBe('6.17 MB');
    expect(formatBytes(45_000_000_000)).toBe('45.0 GB');
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(7620)).toBe('2 h 07 min');
    expect(formatDuration(Number.NaN)).toBe('–');
  });
});

describe('formatRate', () => {
  it('writes learning rates with two significant digits', () => {
    expect(formatRate(1e-3)).toBe('1e-3');
    expect(formatRate((1e-3 * 26) / 64)).toBe('4.1e-4');
    expect(formatRate(2.5e-4)).toBe('2.5e-4');
    expect(formatRate(0.05)).toBe('5e-2');
  });
});
