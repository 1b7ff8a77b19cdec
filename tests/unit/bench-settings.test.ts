import { describe, expect, it } from 'vitest';
import { parseBenchSettings } from '../../src/bench/bench-settings';

const known = { configs: ['small', 'tiny'], kernelShapes: ['tiny', 'small', 'gpt2'] };

describe('bench page settings', () => {
  it('defaults: browser backend order, small config, both suites', () => {
    expect(parseBenchSettings('', known)).toEqual({
      backend: undefined,
      config: 'small',
      repeats: 5,
      kernelShapes: 'small',
      kernelRuns: 10,
      suites: ['kernels', 'dp'],
      threads: ['1', '2', 'all'],
      rounds: 1,
      naive: true,
    });
  });

  it('reads every option; kernel shapes follow the config unless given', () => {
    expect(parseBenchSettings('?backend=wasm&config=tiny&repeats=2&kernelRuns=3&suites=dp', known)).toEqual({
      backend: 'wasm',
      config: 'tiny',
      repeats: 2,
      kernelShapes: 'tiny',
      kernelRuns: 3,
      suites: ['dp'],
      threads: ['1', '2', 'all'],
      rounds: 1,
      naive: true,
    });
    expect(parseBenchSettings('?threads=1,4&rounds=3&batch=2&naive=0', known)).toMatchObject({
      threads: ['1', '4'],
      rounds: 3,
      batch: 2,
      naive: false,
    });
    expect(parseBenchSettings('?threads=none', known).threads).toEqual([]);
    expect(parseBenchSettings('?config=tiny&kernelShapes=gpt2', known).kernelShapes).toBe('gpt2');
  });

  it('rejects bad values and unknown parameters by name', () => {
    expect(() => parseBenchSettings('?backend=webgl', known)).toThrow(
      /backend must be one of webgpu, wasm, cpu/,
    );
    expect(() => parseBenchSettings('?config=huge', known)).toThrow(
      /config must be one of small, tiny, got "huge"/,
    );
    expect(() => parseBenchSettings('?repeats=0', known)).toThrow(/repeats must be an integer >= 1/);
    expect(() => parseBenchSettings('?kernelRuns=2.5', known)).toThrow(/kernelRuns must be an integer/);
    expect(() => parseBenchSettings('?suites=dp,speed', known)).toThrow(
      /suites must list some of kernels, dp/,
    );
    expect(() => parseBenchSettings('?kernelShapes=x', known)).toThrow(/kernelShapes must be one of/);
    expect(() => parseBenchSettings('?repeat=3', known)).toThrow(/unknown parameter\(s\) repeat/);
    expect(() => parseBenchSettings('?threads=1,many', known)).toThrow(/threads must be a list/);
    expect(() => parseBenchSettings('?batch=0', known)).toThrow(/batch must be an integer >= 1/);
  });
});
