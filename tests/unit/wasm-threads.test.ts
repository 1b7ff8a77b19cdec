import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { patchWasmBackendSource, TFJS_WASM_BACKEND_MODULE } from '../../src/build/wasm-threads-plugin';
import {
  AUTO_DP_THREADS_MAX,
  dpThreads,
  MAX_WASM_THREADS,
  NO_WASM_THREADS,
  NODE_NO_THREADS,
  NOT_ISOLATED,
  parseThreadCount,
  planWasmThreads,
} from '../../src/platform/wasm-threads';
import { threadsChoiceFromSearch, urlWithThreadsChoice } from '../../src/ui/backend-choice';
import { threadsText } from '../../src/ui/components/BackendBadge';
import { threadOptions } from '../../src/ui/components/BackendSelect';

const browser = { isNode: false, crossOriginIsolated: true, wasmThreadsFeature: true, cores: 2 };

describe('planWasmThreads', () => {
  it('uses every logical core by default and what was asked for otherwise', () => {
    expect(planWasmThreads(undefined, browser)).toEqual({ threads: 2 });
    expect(planWasmThreads(undefined, { ...browser, cores: 6 })).toEqual({ threads: 6 });
    expect(planWasmThreads(1, browser)).toEqual({ threads: 1 });
    expect(planWasmThreads(3, browser)).toEqual({ threads: 3 });
  });

  it('caps at the pre-created pool of 8 workers, saying so', () => {
    expect(planWasmThreads(undefined, { ...browser, cores: 16 })).toEqual({
      threads: MAX_WASM_THREADS,
      limitation: expect.stringMatching(/at most 8 threads/),
    });
  });

  it('falls back to 1 thread with the reason: Node, no isolation, no wasm threads', () => {
    expect(planWasmThreads(undefined, { ...browser, isNode: true })).toEqual({
      threads: 1,
      limitation: NODE_NO_THREADS,
    });
    expect(planWasmThreads(2, { ...browser, crossOriginIsolated: false })).toEqual({
      threads: 1,
      limitation: NOT_ISOLATED,
    });
    expect(planWasmThreads(2, { ...browser, wasmThreadsFeature: false })).toEqual({
      threads: 1,
      limitation: NO_WASM_THREADS,
    });
    // One core, or one thread asked for: nothing is limited.
    expect(planWasmThreads(undefined, { ...browser, cores: 1 })).toEqual({ threads: 1 });
    expect(planWasmThreads(1, { ...browser, isNode: true })).toEqual({ threads: 1 });
    expect(planWasmThreads(undefined, { ...browser, cores: 1, isNode: true }).limitation).toBe(
      NODE_NO_THREADS,
    );
  });

  it('rejects counts that are not positive integers', () => {
    expect(() => planWasmThreads(0, browser)).toThrow(/integer >= 1/);
    expect(() => planWasmThreads(1.5, browser)).toThrow(/integer >= 1/);
  });
});

describe('thread count from user input', () => {
  it('parses counts and auto, and refuses the rest', () => {
    expect(parseThreadCount(undefined)).toBeUndefined();
    expect(parseThreadCount(null)).toBeUndefined();
    expect(parseThreadCount(' Auto ')).toBeUndefined();
    expect(parseThreadCount('4')).toBe(4);
    expect(() => parseThreadCount('0')).toThrow(/"auto" or an integer >= 1/);
    expect(() => parseThreadCount('two')).toThrow(/got "two"/);
  });

  it('reads and writes ?threads= in the URL, keeping other parameters', () => {
    expect(threadsChoiceFromSearch('?backend=wasm')).toEqual({ threads: 'auto' });
    expect(threadsChoiceFromSearch('?threads=2')).toEqual({ threads: 2 });
    expect(threadsChoiceFromSearch('?threads=-1')).toEqual({ threads: 'auto', invalid: '-1' });
    expect(urlWithThreadsChoice('http://127.0.0.1:4173/?demo=1', 2)).toBe(
      'http://127.0.0.1:4173/?demo=1&threads=2',
    );
    expect(urlWithThreadsChoice('http://127.0.0.1:4173/?threads=2&demo=1', 'auto')).toBe(
      'http://127.0.0.1:4173/?demo=1',
    );
  });

  it('offers 1 up to the cores (at least 2, at most 8)', () => {
    expect(threadOptions(1)).toEqual([1, 2]);
    expect(threadOptions(4)).toEqual([1, 2, 3, 4]);
    expect(threadOptions(32)).toHaveLength(8);
  });
});

describe('wasm threads build patch', () => {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js');
  const source = readFileSync(file, 'utf8');

  it('targets the installed tfjs-backend-wasm module', () => {
    expect(TFJS_WASM_BACKEND_MODULE.test(file)).toBe(true);
  });

  it('replaces the blob of the bundled function text by the URL of the verbatim emscripten script', () => {
    const patched = patchWasmBackendSource(source);
    expect(source).toContain('wasmFactoryThreadedSimd.toString()');
    expect(patched).not.toContain('wasmFactoryThreadedSimd.toString()');
    expect(patched).toMatch(
      /^import distildpThreadedMainScript from '@tensorflow\/tfjs-backend-wasm\/wasm-out\/tfjs-backend-wasm-threaded-simd\.js\?url';/,
    );
    expect(patched).toContain(
      'factoryConfig.mainScriptUrlOrBlob = new URL(distildpThreadedMainScript, globalThis.location.href).href;',
    );
    // Everything else is untouched.
    expect(patched.length - source.length).toBeLessThan(300);
  });

  it('fails loudly when tfjs-backend-wasm no longer has the code it patches', () => {
    expect(() => patchWasmBackendSource('export const x = 1;', 'backend_wasm.js')).toThrow(
      /mainScriptUrlOrBlob assignment was not found/,
    );
  });
});

describe('threads of a DP step (this worker + gradient workers)', () => {
  it('automatic: every core up to AUTO_DP_THREADS_MAX; a request is taken as given', () => {
    expect(dpThreads(undefined, 2)).toBe(2);
    expect(dpThreads(undefined, 16)).toBe(AUTO_DP_THREADS_MAX);
    expect(dpThreads(undefined, 0)).toBe(1);
    expect(dpThreads(6, 2)).toBe(6);
    expect(() => dpThreads(0, 2)).toThrow(/integer >= 1/);
  });

  it('the header says how DP steps use them', () => {
    const info = { backend: 'wasm' as const, skipped: [], tfjsVersion: '4.22.0' };
    expect(threadsText({ ...info, dpThreads: 2 })).toBe('2 threads (DP steps split across 2 workers)');
    expect(threadsText({ ...info, dpThreads: 1 })).toBe('1 thread');
    expect(
      threadsText({ ...info, wasmThreads: { count: 1, requested: 'auto', cores: 2, limitation: 'x' } }),
    ).toBe('1 thread (x)');
  });
});
