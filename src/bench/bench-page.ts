/**
 * Entry of bench.html: the browser benchmarks on whatever backend the browser picks (webgpu ->
 * wasm -> cpu; `?backend=` forces one). Runs (a) per-kernel timings, WGSL vs TF.js twin
 * (src/bench/kernel-bench.ts), and (b) the DP step benchmark: on WASM first a row per thread count
 * (src/bench/thread-bench.ts: tokens/s, matmul peak, fraction of peak), then src/bench/dp-bench.ts
 * on every thread (non-DP, fast DP and naive DP steps, ratios, peak memory against the app's
 * estimate). Writes a readable table and the JSON report
 * into <pre id="results"> (data-done="true" when finished), which
 * tests/bench/browser-bench.spec.ts reads. Settings: src/bench/bench-settings.ts.
 */
import { type BackendInfo, initBackend } from '../model/backend';
import { tfjsWasmPaths } from '../model/wasm-paths';
import { startBrowserGradientHelpers } from '../train/browser-gradient-helpers';
import { errorMessage } from '../util/error-message';
import { type BrowserBenchSettings, parseBenchSettings } from './bench-settings';
import { DP_BENCH_CONFIGS, type DPBenchResult, runDPBenchmark } from './dp-bench';
import { dpSummaryLine, dpTableRows, ms, threadTableRows } from './dp-report';
import { KERNEL_BENCH_SHAPES, type KernelBenchResult, runKernelBenchmark } from './kernel-bench';
import { helperPools, runThreadBenchmark, type ThreadBenchResult, type ThreadStart } from './thread-bench';

export interface BrowserBenchReport {
  settings: BrowserBenchSettings | null;
  backend: BackendInfo | null;
  userAgent: string;
  kernels: KernelBenchResult | null;
  dp: DPBenchResult | null;
  /** WASM only: one row per thread count (1, 2, all by default). */
  dp_threads: ThreadBenchResult | null;
  /** Failures, each naming the part that failed; empty when everything ran. */
  errors: string[];
  elapsed_ms: number;
}

const el = (id: string) => document.getElementById(id) as HTMLElement;
const message = errorMessage;

function status(text: string): void {
  el('status').textContent = text;
  console.log(`[bench] ${text}`);
}

function table(caption: string, head: string[], rows: string[][]): HTMLTableElement {
  const t = document.createElement('table');
  t.createCaption().textContent = caption;
  const tr = t.createTHead().insertRow();
  for (const h of head) {
    const th = document.createElement('th');
    th.textContent = h;
    tr.append(th);
  }
  const body = t.createTBody();
  for (const r of rows) {
    const row = body.insertRow();
    for (const cell of r) row.insertCell().textContent = cell;
  }
  return t;
}

function backendText(info: BackendInfo): string {
  const a = info.adapter;
  const adapter = a
    ? ` - adapter: ${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') || 'unnamed'}${a.isFallbackAdapter ? ' (software fallback adapter: correctness only, not speed)' : ''}`
    : '';
  const skipped = info.skipped.map((s) => `${s.backend} skipped: ${s.reason}`).join('; ');
  return `backend: ${info.backend} (TF.js ${info.tfjsVersion})${adapter}${skipped ? ` - ${skipped}` : ''}`;
}

function renderTables(report: BrowserBenchReport): void {
  const out = el('tables');
  out.replaceChildren();
  if (report.kernels) {
    const k = report.kernels;
    const s = k.shape;
    const caption = `Kernels on ${k.backend}, shapes "${k.shapes}" (B ${s.examples}, L ${s.tokens}, d ${s.dIn}, p ${s.dOut}, V ${s.vocab}, AdamW ${s.adamwSize}); median of ${k.runs} ms`;
    const rows = k.timings.map((t) => [
      t.kernel,
      ms(t.wgsl_ms),
      ms(t.twin_ms),
      t.twin_over_wgsl === null ? 'n/a' : `${t.twin_over_wgsl.toFixed(2)}x`,
    ]);
    out.append(table(caption, ['kernel', 'WGSL ms', 'TF.js twin ms', 'twin / WGSL'], rows));
  }
  if (report.dp_threads) {
    const t = report.dp_threads;
    const caption = `Threads: DP step "${t.config}", batch ${t.batch} (${t.tokens_per_step} tokens, ${(t.step_flops / 1e9).toFixed(2)} GFLOP); ${t.rounds} round(s) x ${t.repeats}`;
    const { head, rows } = threadTableRows(t);
    out.append(table(caption, head, rows));
  }
  if (report.dp) {
    const d = report.dp;
    const m = d.model;
    const caption = `DP step "${d.config}" on ${d.backend} (${d.dp_reduction}): ${m.nLayer} layers, width ${m.nEmbd}, context ${m.contextLength}, batch ${d.batch}; median of ${d.repeats}`;
    const { head, rows } = dpTableRows(d);
    out.append(table(caption, head, rows));
    const p = document.createElement('p');
    p.textContent = dpSummaryLine(d);
    out.append(p);
  }
}

async function run(report: BrowserBenchReport): Promise<void> {
  const settings = parseBenchSettings(location.search, {
    configs: Object.keys(DP_BENCH_CONFIGS),
    kernelShapes: Object.keys(KERNEL_BENCH_SHAPES),
  });
  report.settings = settings;
  status(`selecting a backend${settings.backend ? ` (forced: ${settings.backend})` : ''}`);
  report.backend = await initBackend({ override: settings.backend, wasmPaths: tfjsWasmPaths });
  el('backend').textContent = backendText(report.backend);
  if (settings.suites.includes('kernels')) {
    try {
      report.kernels = await runKernelBenchmark(settings.kernelShapes, settings.kernelRuns, (m) => status(m));
    } catch (e) {
      report.errors.push(`kernels: ${message(e)}`);
    }
    renderTables(report);
  }
  if (settings.suites.includes('dp')) {
    const onWasm = report.backend.backend === 'wasm';
    const pools = helperPools(startBrowserGradientHelpers);
    const startWasm = async (threads: number | undefined): Promise<ThreadStart> => {
      const info = await initBackend({ override: 'wasm', wasmPaths: tfjsWasmPaths, wasmThreads: threads });
      report.backend = info;
      el('backend').textContent = backendText(info);
      return { threads: info.wasmThreads?.count ?? 1, limitation: info.wasmThreads?.limitation };
    };
    // As the app: the wasm module on one thread, the other cores as gradient workers.
    const startWorkers = async (threads: number | undefined) => {
      await startWasm(1);
      return pools.forThreads(threads ?? navigator.hardwareConcurrency);
    };
    try {
      if (onWasm && settings.threads.length > 0) {
        const { threads, rounds, repeats, batch } = settings;
        report.dp_threads = await runThreadBenchmark(
          settings.config,
          startWasm,
          { threads, rounds, repeats, batch },
          (m) => status(`threads: ${m}`),
          startWorkers,
        );
        renderTables(report);
        await pools.closeAll();
        await startWasm(undefined);
      }
      const restart = async () => {
        await initBackend({ override: 'wasm', wasmPaths: tfjsWasmPaths, restartWasm: true });
      };
      report.dp = await runDPBenchmark(
        settings.config,
        {
          repeats: settings.repeats,
          naive: settings.naive,
          batch: settings.batch,
          ...(onWasm ? { restart } : {}),
        },
        (m) => status(`DP step: ${m}`),
      );
    } catch (e) {
      report.errors.push(`dp: ${message(e)}`);
    }
    renderTables(report);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const report: BrowserBenchReport = {
    settings: null,
    backend: null,
    userAgent: navigator.userAgent,
    kernels: null,
    dp: null,
    dp_threads: null,
    errors: [],
    elapsed_ms: 0,
  };
  try {
    await run(report);
  } catch (e) {
    report.errors.push(message(e));
  }
  report.elapsed_ms = performance.now() - started;
  status(report.errors.length ? `finished with errors: ${report.errors.join('; ')}` : 'done');
  const out = el('results');
  out.textContent = JSON.stringify(report, null, 1);
  out.dataset.done = 'true';
}

void main();
