/**
 * Entry of kernel-check.html: runs the shared kernel checks (src/kernels/checks) on this browser's
 * WebGPU adapter and writes a JSON report into #result (data-done="true" when finished), which
 * tests/e2e/kernels.spec.ts reads. SwiftShader is slow, so the shapes are BROWSER_CASES.
 */
import { initBackend } from '../model/backend';
import { errorMessage } from '../util/error-message';
import { BROWSER_CASES } from './checks/cases';
import type { CheckResult } from './checks/check-result';
import { normChecks, programCoverageCheck, sumChecks } from './checks/kernel-checks';
import { noiseChecks } from './checks/noise-checks';

export interface KernelCheckReport {
  backend: string;
  adapter?: { vendor: string; architecture: string; description: string; isFallbackAdapter: boolean };
  allPassed: boolean;
  results: CheckResult[];
  error?: string;
}

async function runChecks(status: HTMLElement): Promise<KernelCheckReport> {
  const info = await initBackend({ override: 'webgpu' });
  const checks = [
    ...noiseChecks(true),
    ...normChecks(BROWSER_CASES),
    ...sumChecks(BROWSER_CASES),
    programCoverageCheck,
  ];
  const results: CheckResult[] = [];
  for (const [n, check] of checks.entries()) {
    status.textContent = `running ${n + 1}/${checks.length}: ${check.name}`;
    try {
      results.push(await check.run());
    } catch (e) {
      const detail = errorMessage(e);
      results.push({ name: check.name, pass: false, tolerance: 0, errors: {}, detail: `threw: ${detail}` });
    }
  }
  return {
    backend: info.backend,
    adapter: info.adapter,
    allPassed: results.every((r) => r.pass),
    results,
  };
}

async function main(): Promise<void> {
  const status = document.getElementById('status') as HTMLElement;
  const out = document.getElementById('result') as HTMLElement;
  let report: KernelCheckReport;
  try {
    report = await runChecks(status);
  } catch (e) {
    const error = errorMessage(e);
    report = { backend: 'none', allPassed: false, results: [], error };
  }
  status.textContent = report.allPassed ? 'all checks passed' : 'some checks FAILED';
  out.textContent = JSON.stringify(report, null, 1);
  out.dataset.done = 'true';
}

void main();
