/**
 * Settings of the browser benchmark page (bench.html), read from its URL query, e.g.
 * `/bench.html?backend=wasm&config=tiny&repeats=2&kernelShapes=tiny&kernelRuns=3&suites=kernels,dp&threads=1,2,all`.
 * No DOM and no TF.js here, so the parsing is unit-tested in Node.
 */
import type { BackendName } from '../model/backend';
import { parseThreadRequests, type ThreadRequest } from './thread-bench';

export type BenchSuite = 'kernels' | 'dp';

export interface BrowserBenchSettings {
  /** Forced backend (`?backend=`); default: the browser's order, webgpu -> wasm -> cpu. */
  backend?: BackendName;
  /** DP step benchmark configuration, src/bench/dp-bench.ts (default 'small'). */
  config: string;
  /** Timed DP step repetitions, median reported (default 5). */
  repeats: number;
  /** Kernel benchmark shapes, src/bench/kernel-bench.ts (default: the same name as `config`). */
  kernelShapes: string;
  /** Timed runs per kernel, median reported (default 10). */
  kernelRuns: number;
  /** Which parts run (default both). */
  suites: BenchSuite[];
  /** WASM only: thread counts of the DP step's scaling rows (default 1,2,all; `none` skips them). */
  threads: ThreadRequest[];
  /** Turns over the thread counts, interleaved (default 1). */
  rounds: number;
  /** Batch of the DP configuration (default: the configuration's). */
  batch?: number;
  /** Time the naive oracle (default true; `naive=0` skips it, e.g. at GPT-2 size). */
  naive: boolean;
}

const BACKENDS: BackendName[] = ['webgpu', 'wasm', 'cpu'];
const SUITES: BenchSuite[] = ['kernels', 'dp'];
const KNOWN = new Set([
  'backend',
  'config',
  'repeats',
  'kernelShapes',
  'kernelRuns',
  'suites',
  'threads',
  'rounds',
  'batch',
  'naive',
]);

function positiveInt(name: string, raw: string | null, fallback: number): number {
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench: ?${name} must be an integer >= 1, got "${raw}"`);
  return n;
}

/**
 * Reads the settings from a query string; `known` lists the valid DP configurations and kernel
 * shape sets. Throws on unknown parameters or values, naming them.
 */
export function parseBenchSettings(
  search: string,
  known: { configs: string[]; kernelShapes: string[] },
): BrowserBenchSettings {
  const q = new URLSearchParams(search);
  const unknown = [...q.keys()].filter((k) => !KNOWN.has(k));
  if (unknown.length)
    throw new Error(`bench: unknown parameter(s) ${unknown.join(', ')} (known: ${[...KNOWN].join(', ')})`);
  const backend = q.get('backend') ?? undefined;
  if (backend !== undefined && !BACKENDS.includes(backend as BackendName))
    throw new Error(`bench: ?backend must be one of ${BACKENDS.join(', ')}, got "${backend}"`);
  const config = q.get('config') ?? 'small';
  if (!known.configs.includes(config))
    throw new Error(`bench: ?config must be one of ${known.configs.join(', ')}, got "${config}"`);
  const kernelShapes = q.get('kernelShapes') ?? (known.kernelShapes.includes(config) ? config : 'small');
  if (!known.kernelShapes.includes(kernelShapes)) {
    throw new Error(
      `bench: ?kernelShapes must be one of ${known.kernelShapes.join(', ')}, got "${kernelShapes}"`,
    );
  }
  const suites = (q.get('suites') ?? SUITES.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const badSuite = suites.find((s) => !SUITES.includes(s as BenchSuite));
  if (badSuite !== undefined || suites.length === 0)
    throw new Error(`bench: ?suites must list some of ${SUITES.join(', ')}, got "${q.get('suites')}"`);
  return {
    backend: backend as BackendName | undefined,
    config,
    repeats: positiveInt('repeats', q.get('repeats'), 5),
    kernelShapes,
    kernelRuns: positiveInt('kernelRuns', q.get('kernelRuns'), 10),
    suites: suites as BenchSuite[],
    threads: q.get('threads') === 'none' ? [] : parseThreadRequests(q.get('threads') ?? '1,2,all'),
    rounds: positiveInt('rounds', q.get('rounds'), 1),
    ...(q.get('batch') !== null ? { batch: positiveInt('batch', q.get('batch'), 1) } : {}),
    naive: !['0', 'false'].includes(q.get('naive') ?? ''),
  };
}
