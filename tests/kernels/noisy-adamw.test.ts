/**
 * Fused noise + AdamW kernel on WebGPU (Dawn + SwiftShader in Node): Philox bit-exactness, equality
 * with src/random/noise.ts, noise statistics, AdamW against float64; the twin on wasm as well.
 */
import { describe, expect, it } from 'vitest';
import type { KernelCheck } from '../../src/kernels/checks/check-result';
import { noiseChecks } from '../../src/kernels/checks/noise-checks';
import { initBackend } from '../../src/model/backend';

function runAll(checks: KernelCheck[]): void {
  for (const check of checks) {
    it(check.name, async () => {
      const r = await check.run();
      console.log(`${r.pass ? 'PASS' : 'FAIL'} ${r.name} ${JSON.stringify(r.errors)} ${r.detail}`);
      expect(r.pass, `${r.name}: ${JSON.stringify(r.errors)} (${r.detail})`).toBe(true);
    });
  }
}

describe('twin on wasm', () => {
  it('selects wasm', async () => {
    expect((await initBackend({ override: 'wasm' })).backend).toBe('wasm');
  });
  runAll(noiseChecks(false));
});

describe('WGSL on webgpu', () => {
  it('selects webgpu', async () => {
    expect((await initBackend({ override: 'webgpu' })).backend).toBe('webgpu');
  });
  runAll(noiseChecks(true));
});
