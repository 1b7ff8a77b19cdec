/**
 * The WGSL kernels on Chromium's WebGPU (SwiftShader here): kernel-check.html runs the shared
 * checks of src/kernels/checks and writes a JSON report; every check must pass on a WebGPU adapter.
 */
import { expect, test } from '@playwright/test';
import type { KernelCheckReport } from '../../src/kernels/check-page';

test('every WGSL kernel matches its twin and float64 on Chromium WebGPU', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto('/kernel-check.html');
  const result = page.locator('#result[data-done="true"]');
  await expect(result).toBeAttached({ timeout: 540_000 });
  const text = (await result.textContent()) ?? '{}';
  await test.info().attach('kernel-check-report.json', { body: text, contentType: 'application/json' });
  const report = JSON.parse(text) as KernelCheckReport;
  for (const r of report.results)
    console.log(`${r.pass ? 'PASS' : 'FAIL'} ${r.name} ${JSON.stringify(r.errors)}`);
  expect(report.error, 'page error').toBeUndefined();
  expect(report.backend).toBe('webgpu');
  expect(report.adapter, 'WebGPU adapter info').toBeDefined();
  expect(await page.evaluate(() => 'gpu' in navigator)).toBe(true);
  // Noise (4+1), 5 norms x 3 cases, 2 sum checks x 3 cases, program coverage.
  expect(report.results.length).toBeGreaterThanOrEqual(27);
  for (const r of report.results) {
    expect.soft(r.pass, `${r.name}: ${JSON.stringify(r.errors)} (${r.detail})`).toBe(true);
  }
  expect(report.allPassed).toBe(true);
});
