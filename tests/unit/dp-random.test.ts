import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  insecureFixedSeedNoiseSource,
  type NoiseSeed,
  normalPairFromWords,
  philoxFillNormal,
  philoxUniform32,
  philoxUniform53,
  philoxUniformFloat32,
  secureNoiseSource,
} from '../../src/random/noise';
import { mulHi32, philox4x32 } from '../../src/random/philox';
import { seededRandom } from './helpers/random';

const hex = (words: ArrayLike<number>) => Array.from(words, (w) => w.toString(16).padStart(8, '0')).join(' ');

/** Standard normal CDF via erfc (W. J. Cody-style rational fit, Numerical Recipes erfcc: |rel err| < 1.2e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Kolmogorov-Smirnov statistic sup |F_n - F| of a sample against a continuous CDF. */
function ksStatistic(sample: ArrayLike<number>, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(sample).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

/** Asymptotic KS critical value at level alpha: sqrt(-ln(alpha / 2) / 2) / sqrt(n). */
const ksCritical = (n: number, alpha: number) => Math.sqrt(-Math.log(alpha / 2) / 2) / Math.sqrt(n);

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

const seedA: NoiseSeed = { key: [0x01234567, 0x89abcdef], stream: [0xdeadbeef, 0x00c0ffee] };

describe('Philox4x32-10', () => {
  it("matches Random123's kat_vectors", () => {
    expect(hex(philox4x32([0, 0, 0, 0], [0, 0]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    const ones = 0xffffffff;
    expect(hex(philox4x32([ones, ones, ones, ones], [ones, ones]))).toBe(
      '408f276d 41c83b0e a20bc7c6 6d5451fd',
    );
    expect(hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toBe(
      'd16cfe09 94fdcceb 5001e420 24126ea1',
    );
  });

  it('computes the high word of 32x32 products exactly (vs BigInt)', () => {
    const rnd = seededRandom(7);
    const edge = [
      0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xd2511f53, 0xcd9e8d57,
    ];
    const values = [...edge, ...Array.from({ length: 500 }, () => Math.floor(rnd() * 2 ** 32))];
    for (const a of values.slice(0, 60)) {
      for (const b of values) {
        expect(mulHi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
      }
    }
  });

  it('rejects malformed counters and keys', () => {
    expect(() => philox4x32([0, 0, 0], [0, 0])).toThrow(/4 words/);
    expect(() => philox4x32([0, 0, 0, 0], [0])).toThrow(/2 words/);
  });
});

describe('uniforms follow the documented mapping', () => {
  const block = (seed: NoiseSeed, b: number) =>
    philox4x32([b % 2 ** 32, Math.floor(b / 2 ** 32), ...seed.stream], seed.key);

  it('uniform53: ((x0 >>> 11) * 2^32 + x1) * 2^-53 of block i, in [0, 1)', () => {
    const offset = 2 ** 32 - 3; // crosses into the counter's second word
    const u = philoxUniform53(seedA, 7, offset);
    for (let j = 0; j < 7; j++) {
      const [x0, x1] = block(seedA, offset + j);
      const bits = ((BigInt(x0) >> 11n) << 32n) | BigInt(x1);
      expect(u[j]).toBe(Number(bits) / 2 ** 53);
      expect(u[j]).toBeGreaterThanOrEqual(0);
      expect(u[j]).toBeLessThan(1);
    }
  });

  it('uniform32 and uniformFloat32 are strictly inside (0, 1) and match their formulas', () => {
    const u32 = philoxUniform32(seedA, 50);
    const f32 = philoxUniformFloat32(seedA, 50);
    for (let j = 0; j < 50; j++) {
      const [x0] = block(seedA, j);
      expect(u32[j]).toBe((x0 + 0.5) / 2 ** 32);
      expect(f32[j]).toBe((Math.floor(x0 / 512) + 0.5) / 2 ** 23); // exact in float32
    }
    // The extreme words stay inside the open interval.
    expect((0xffffffff + 0.5) / 2 ** 32).toBeLessThan(1);
    expect(Math.fround((2 ** 23 - 1 + 0.5) / 2 ** 23)).toBeLessThan(1);
  });

  it('uniform53 has mean 1/2 and variance 1/12 (5 sigma)', () => {
    const n = 200_000;
    const u = philoxUniform53(seedA, n);
    const mean = u.reduce((a, b) => a + b, 0) / n;
    const variance = u.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n)); // Var(U^2-ish) = 1/180
    expect(ksStatistic(u, (x) => x)).toBeLessThan(ksCritical(n, 1e-3));
  });
});

describe('Gaussian noise', () => {
  it('follows the SPEC block by block (re-derived here from raw Philox words)', () => {
    const out = new Float32Array(9);
    philoxFillNormal(out, 1.5, seedA);
    for (let i = 0; i < 9; i++) {
      const b = Math.floor(i / 2);
      const [x0, x1, x2] = philox4x32([b, 0, ...seedA.stream], seedA.key);
      const uR = x0 / 2 ** 32 + (x1 + 0.5) / 2 ** 64;
      const theta = 2 * Math.PI * ((x2 + 0.5) / 2 ** 32) - Math.PI;
      const r = Math.sqrt(-2 * Math.log(uR));
      expect(out[i]).toBe(Math.fround(1.5 * (i % 2 === 0 ? r * Math.cos(theta) : r * Math.sin(theta))));
    }
  });

  it('reaches 9.49 sigma in the tail (64-bit radius uniform), not 6.8', () => {
    const [z0, z1] = normalPairFromWords(0, 0, 0x80000000);
    expect(z0).toBeCloseTo(Math.sqrt(130 * Math.LN2), 12);
    expect(Math.abs(z1)).toBeLessThan(1e-8);
    const [w0, w1] = normalPairFromWords(0xffffffff, 0xffffffff, 12345);
    expect(Math.hypot(w0, w1)).toBeLessThan(1e-4);
  });

  it('element i depends only on (seed, i): chunked fills at odd offsets equal one fill', () => {
    const whole = new Float32Array(1001);
    philoxFillNormal(whole, 0.7, seedA);
    const pieces = [0, 1, 4, 333, 334, 1000, 1001];
    for (let p = 0; p + 1 < pieces.length; p++) {
      const chunk = new Float32Array(pieces[p + 1] - pieces[p]);
      philoxFillNormal(chunk, 0.7, seedA, pieces[p]);
      expect(Array.from(chunk)).toEqual(Array.from(whole.subarray(pieces[p], pieces[p + 1])));
    }
  });

  const n = 1_000_003; // odd: the last element is a lone cosine output
  const z = new Float32Array(n);
  philoxFillNormal(z, 1, insecureFixedSeedNoiseSource(2024).nextSeed());

  it('has mean 0, variance 1, kurtosis 3 and the right tail mass over 1M draws (5 sigma)', () => {
    let s1 = 0;
    let s2 = 0;
    let s4 = 0;
    let beyond3 = 0;
    for (let i = 0; i < n; i++) {
      s1 += z[i];
      s2 += z[i] * z[i];
      s4 += z[i] ** 4;
      if (Math.abs(z[i]) > 3) beyond3++;
    }
    expect(Math.abs(s1 / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n)); // Var(z^2) = 2
    expect(Math.abs(s4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n)); // Var(z^4) = 105 - 9
    const pTail = 2 * (1 - normalCdf(3)); // 0.0026998
    expect(Math.abs(beyond3 - n * pTail)).toBeLessThan(5 * Math.sqrt(n * pTail));
  });

  it('passes a Kolmogorov-Smirnov test against N(0, 1) at alpha = 1e-3', () => {
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6); // the reference CDF itself
    const d = ksStatistic(z, normalCdf);
    expect(d).toBeLessThan(ksCritical(n, 1e-3));
  });

  it('the KS test has power: it rejects a 2% scale error', () => {
    expect(ksStatistic(z, (x) => normalCdf(x / 1.02))).toBeGreaterThan(ksCritical(n, 1e-3));
  });

  it('neighbouring elements are uncorrelated (within a block, across blocks, lag 2)', () => {
    const bound = 5 / Math.sqrt(n / 2);
    const half = Math.floor((n - 3) / 2);
    const cosines = new Float64Array(half);
    const sines = new Float64Array(half);
    const nextCosines = new Float64Array(half);
    for (let k = 0; k < half; k++) {
      cosines[k] = z[2 * k];
      sines[k] = z[2 * k + 1];
      nextCosines[k] = z[2 * k + 2];
    }
    expect(Math.abs(correlation(cosines, sines))).toBeLessThan(bound);
    expect(Math.abs(correlation(sines, nextCosines))).toBeLessThan(bound);
    expect(Math.abs(correlation(cosines, nextCosines))).toBeLessThan(bound);
    // Squares too: the cosine and sine of one pair share a radius, but are still independent.
    expect(
      Math.abs(
        correlation(
          cosines.map((x) => x * x),
          sines.map((x) => x * x),
        ),
      ),
    ).toBeLessThan(bound);
  });

  it('consecutive seeds give uncorrelated noise (fixed and secure sources)', () => {
    for (const source of [insecureFixedSeedNoiseSource(5), secureNoiseSource()]) {
      const a = new Float32Array(200_000);
      const b = new Float32Array(200_000);
      source.fillNormal(a, 1, source.nextSeed());
      source.fillNormal(b, 1, source.nextSeed());
      expect(Math.abs(correlation(a, b))).toBeLessThan(5 / Math.sqrt(a.length));
    }
  });

  it('same seed gives the same noise; a one-bit change of key or stream changes every element', () => {
    const a = new Float32Array(10_000);
    const b = new Float32Array(10_000);
    philoxFillNormal(a, 1, seedA);
    philoxFillNormal(b, 1, { key: [...seedA.key], stream: [...seedA.stream] });
    expect(b).toEqual(a);
    const flip = (w: number, bit: number) => (w ^ (1 << bit)) >>> 0;
    const variants: NoiseSeed[] = [
      { key: [flip(seedA.key[0], 0), seedA.key[1]], stream: seedA.stream },
      { key: [seedA.key[0], flip(seedA.key[1], 31)], stream: seedA.stream },
      { key: seedA.key, stream: [flip(seedA.stream[0], 0), seedA.stream[1]] },
      { key: seedA.key, stream: [seedA.stream[0], flip(seedA.stream[1], 16)] },
    ];
    for (const seed of variants) {
      philoxFillNormal(b, 1, seed);
      const equal = a.filter((x, i) => x === b[i]).length;
      expect(equal).toBeLessThan(3);
      expect(Math.abs(correlation(a, b))).toBeLessThan(5 / Math.sqrt(a.length));
    }
  });

  it('scales by std and rejects invalid std and seeds', () => {
    const a = new Float32Array(100);
    const b = new Float32Array(100);
    philoxFillNormal(a, 1, seedA);
    philoxFillNormal(b, 2.5, seedA);
    for (let i = 0; i < 100; i++) expect(b[i]).toBeCloseTo(2.5 * a[i], 5);
    philoxFillNormal(b, 0, seedA);
    expect(b.every((x) => x === 0)).toBe(true);
    expect(() => philoxFillNormal(a, -1, seedA)).toThrow(/std/);
    expect(() => philoxFillNormal(a, Number.NaN, seedA)).toThrow(/std/);
    expect(() => philoxFillNormal(a, 1, { key: [1, 2], stream: [3, 2 ** 32] })).toThrow(/NoiseSeed/);
    expect(() => philoxFillNormal(a, 1, { key: [1.5, 2], stream: [3, 4] })).toThrow(/NoiseSeed/);
    expect(() => philoxFillNormal(a, 1, seedA, -1)).toThrow(/offset/);
  });
});

describe('noise sources', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  const key = (s: NoiseSeed) => `${s.key[0]},${s.key[1]},${s.stream[0]},${s.stream[1]}`;

  it('nextSeed never repeats over 10k calls and yields u32 words', () => {
    for (const source of [secureNoiseSource(), insecureFixedSeedNoiseSource(0)]) {
      const seen = new Set<string>();
      for (let i = 0; i < 10_000; i++) {
        const s = source.nextSeed();
        for (const w of [...s.key, ...s.stream])
          expect(Number.isInteger(w) && w >= 0 && w < 2 ** 32).toBe(true);
        seen.add(key(s));
      }
      expect(seen.size).toBe(10_000);
    }
  });

  it('the secure source is flagged secure and seeds from crypto.getRandomValues', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    const source = secureNoiseSource();
    expect(source.secure).toBe(true);
    source.nextSeed();
    expect(spy).toHaveBeenCalledTimes(1);
    const arg = spy.mock.calls[0][0] as Uint32Array;
    expect(arg).toBeInstanceOf(Uint32Array);
    expect(arg.length).toBe(4);
    spy.mockRestore();
  });

  it('the secure source refuses to start without crypto.getRandomValues (no fallback)', () => {
    vi.stubGlobal('crypto', undefined);
    expect(() => secureNoiseSource()).toThrow(/getRandomValues is unavailable/);
    vi.stubGlobal('crypto', {});
    expect(() => secureNoiseSource()).toThrow(/refusing to fall back/);
  });

  it('the fixed-seed source is flagged insecure, reproducible, and seed-dependent', () => {
    const a = insecureFixedSeedNoiseSource(42);
    const b = insecureFixedSeedNoiseSource(42);
    const c = insecureFixedSeedNoiseSource(43);
    expect(a.secure).toBe(false);
    const seqA = Array.from({ length: 5 }, () => key(a.nextSeed()));
    expect(Array.from({ length: 5 }, () => key(b.nextSeed()))).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => key(c.nextSeed())).some((s) => seqA.includes(s))).toBe(false);
    expect(() => insecureFixedSeedNoiseSource(-1)).toThrow(/seed/);
  });
});

describe('no insecure randomness in privacy code', () => {
  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? sources(p) : /\.(ts|tsx|js|mjs)$/.test(f) ? [p] : [];
    });
  }
  // Comments may mention what is forbidden; code may not.
  const code = (path: string) =>
    readFileSync(path, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:])\/\/.*$/gm, '$1');
  const root = fileURLToPath(new URL('../../src', import.meta.url));

  it('src/dp, src/random and src/train never call Math.random', () => {
    const files = ['dp', 'random', 'train'].flatMap((dir) => sources(join(root, dir)));
    expect(files.length).toBeGreaterThan(3);
    const offenders = files.filter((f) => /Math\s*(\.\s*random|\[\s*['"`]random)/.test(code(f)));
    expect(offenders).toEqual([]);
  });

  it("src/dp and src/random never use TF.js' random ops (seeded from a non-cryptographic generator)", () => {
    const offenders = [...sources(join(root, 'dp')), ...sources(join(root, 'random'))].filter((f) =>
      /\b(randomNormal|randomUniform|truncatedNormal|randomGamma|randomStandardNormal|multinomial)\b/.test(
        code(f),
      ),
    );
    expect(offenders).toEqual([]);
  });
});
