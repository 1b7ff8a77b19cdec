/**
 * What two threads side by side cost each other on this machine, by kind of work:
 *   node scripts/core-contention.mjs
 * Each kind runs alone on this thread, then on this thread and a worker thread at once; a slowdown
 * near 1 means the cores do not share that resource, 2 means the two threads split it. Kinds:
 * int (a register-bound integer loop), cache (float passes over 256 KiB, inside a core's L2) and
 * memory (float64 passes over 64 MiB: DRAM bandwidth). README ("WASM threads") explains why the
 * data-parallel DP step's 2-worker speed-up stops below 2x with these numbers.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

function work(kind) {
  const started = performance.now();
  let sink = 0;
  if (kind === 'int') {
    let x = 1;
    for (let i = 0; i < 4e8; i++) x = (x * 1103515245 + 12345) | 0;
    sink = x;
  } else if (kind === 'cache') {
    const a = new Float32Array(64 * 1024);
    for (let r = 0; r < 4000; r++)
      for (let i = 0; i < a.length; i++) {
        a[i] = a[i] * 0.5 + 1;
        sink += a[i];
      }
  } else {
    const a = new Float64Array(8 * 1024 * 1024);
    for (let r = 0; r < 20; r++) for (let i = 0; i < a.length; i++) a[i] += i;
    sink = a[7];
  }
  if (sink === 0.123) console.log(sink); // keeps the loops from being optimised away
  return performance.now() - started;
}

if (isMainThread) {
  console.log('kind    alone ms  side by side ms (this, other)  slowdown');
  for (const kind of ['int', 'cache', 'memory']) {
    const alone = work(kind);
    const worker = new Worker(new URL(import.meta.url), { workerData: kind });
    const other = new Promise((resolve) => worker.once('message', resolve));
    const both = work(kind);
    const otherMs = await other;
    await worker.terminate();
    console.log(
      `${kind.padEnd(8)}${alone.toFixed(0).padStart(8)}  ${both.toFixed(0).padStart(8)}, ${otherMs.toFixed(0).padStart(6)}${(both / alone).toFixed(2).padStart(20)}`,
    );
  }
} else parentPort.postMessage(work(workerData));
