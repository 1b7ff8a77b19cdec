/**
 * Speed of the privacy accountants (run: `npx tsx scripts/bench-accounting.ts`). Medians of
 * repeated runs in one process after a warm-up, plus the CLI end to end (Node start + tsx included).
 * The machine is shared: compare numbers from one run, not across runs.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { calibrateSigma, computeEpsilon, epsilonCurve, type Phase } from '../src/dp/accounting/index';
import { PrvEvaluator } from '../src/dp/accounting/prv';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time<T>(fn: () => T, repeats: number): { ms: number; value: T } {
  let value = fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    value = fn();
    times.push(performance.now() - t);
  }
  return { ms: median(times), value };
}

const ref = JSON.parse(
  readFileSync(new URL('../tests/unit/fixtures/accounting-reference.json', import.meta.url), 'utf8'),
) as {
  cases: {
    id: string;
    sample_rate_q: number;
    noise_multiplier_sigma: number;
    steps: number;
    delta: number;
    eps_prv_opacus: number;
    eps_pld_google: number;
    eps_rdp_opacus: number;
  }[];
};

console.log('## Published cases (ms: median of 5)');
console.log('| case | Opacus PRV | Google PLD | ours PRV | ms | Opacus RDP | ours RDP | ms |');
console.log('|---|---|---|---|---|---|---|---|');
for (const c of ref.cases) {
  const phases: Phase[] = [{ q: c.sample_rate_q, sigma: c.noise_multiplier_sigma, steps: c.steps }];
  const prv = time(() => computeEpsilon(phases, c.delta), 5);
  const rdp = time(() => computeEpsilon(phases, c.delta, 'rdp'), 5);
  console.log(
    `| ${c.id} | ${c.eps_prv_opacus.toFixed(4)} | ${c.eps_pld_google.toFixed(4)} | ${prv.value.toFixed(4)} | ${prv.ms.toFixed(1)} | ${c.eps_rdp_opacus.toFixed(4)} | ${rdp.value.toFixed(4)} | ${rdp.ms.toFixed(1)} |`,
  );
}

console.log('\n## 10,000 steps, delta 1e-5: computeEpsilon, epsilonCurve (200 points), calibrateSigma');
console.log('| q | sigma | epsilon | FFT size | computeEpsilon ms | curve 200 pts ms | calibrateSigma ms |');
console.log('|---|---|---|---|---|---|---|');
const at = Array.from({ length: 200 }, (_, i) => 50 * (i + 1));
for (const [q, sigma] of [
  [0.001, 0.8],
  [0.004, 1.1],
  [0.01, 1],
  [0.01, 2],
  [0.1, 0.7],
  [0.001, 8],
  [1, 5],
]) {
  const phases = [{ q, sigma, steps: 10_000 }];
  const single = time(() => computeEpsilon(phases, 1e-5), 5);
  const curve = time(() => epsilonCurve(phases, 1e-5, at), 3);
  const cal = time(() => calibrateSigma({ epsilon: single.value, delta: 1e-5, q, steps: 10_000 }), 3);
  const grid = new PrvEvaluator(phases, 1e-5, [[10_000]]).grids[0];
  console.log(
    `| ${q} | ${sigma} | ${single.value.toFixed(4)} | ${grid ? grid.fftSize : 'closed form'} | ${single.ms.toFixed(1)} | ${curve.ms.toFixed(0)} | ${cal.ms.toFixed(0)} |`,
  );
}

console.log('\n## 100,000 steps, delta 1e-8 (computeEpsilon ms)');
for (const [q, sigma] of [
  [0.001, 0.8],
  [0.01, 1],
]) {
  const r = time(() => computeEpsilon([{ q, sigma, steps: 100_000 }], 1e-8), 3);
  console.log(`q ${q}, sigma ${sigma}: epsilon ${r.value.toFixed(4)}, ${r.ms.toFixed(0)} ms`);
}

console.log(
  '\n## CLI end to end: node bin/distildp.mjs epsilon --q 0.01 --sigma 1 --steps 10000 --delta 1e-5 --json',
);
const runs: number[] = [];
let out = '';
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      'bin/distildp.mjs',
      'epsilon',
      '--q',
      '0.01',
      '--sigma',
      '1',
      '--steps',
      '10000',
      '--delta',
      '1e-5',
      '--json',
    ],
    { encoding: 'utf8' },
  );
  runs.push(performance.now() - t);
  out = r.stdout.trim();
}
console.log(`${out}\nwall time, median of 3: ${median(runs).toFixed(0)} ms (Node + tsx start-up included)`);
