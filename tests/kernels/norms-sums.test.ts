/**
 * WGSL norm and clipped-sum kernels on WebGPU (Dawn + SwiftShader in Node) against their TF.js
 * twins and float64 loops; the twins are also checked on wasm, the fallback backend.
 */
import { describe, expect, it } from 'vitest';
import { NODE_CASES } from '../../src/kernels/checks/cases';
import type { KernelCheck } from '../../src/kernels/checks/check-result';
import { normChecks, programCoverageCheck, sumChecks } from '../../src/kernels/checks/kernel-checks';
import { initBackend } from '../../src/model/backend';

function runAll(checks: KernelCheck[]): void {
  for (const check of checks) {
    it(check.name, async () => {
      const r = await check.run();
      console.log(`${r.pass ? 'PASS' : 'FAIL'} ${r.name} ${JSON.stringify(r.errors)}`);
      expect(r.pass, `${r.name}: ${JSON.stringify(r.errors)} (${r.detail})`).toBe(true);
    });
  }
}

describe('twins on wasm vs float64', () => {
  it('selects wasm', async () => {
    expect((await initBackend({ override: 'wasm' })).backend).toBe('wasm');
  });
  runAll([...normChecks(NODE_CASES), ...sumChecks(NODE_CASES)]);
});

describe('WGSL on webgpu vs twin vs float64', () => {
  it('selects webgpu', async () => {
    expect((await initBackend({ override: 'webgpu' })).backend).toBe('webgpu');
  });
  runAll([...normChecks(NODE_CASES), ...sumChecks(NODE_CASES), programCoverageCheck]);
});
