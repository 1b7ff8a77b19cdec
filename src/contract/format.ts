/** Number formatting shared by the worker's messages and the UI (pure, no dependencies). */

/** Decimal units, as storage and memory are usually quoted: `1.5 GB`, `820 kB`, `12 B`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} B`;
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  const digits = u === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${n < 0 ? '-' : ''}${v.toFixed(digits)} ${units[u]}`;
}

/** `45 s`, `3 min 05 s`, `2 h 07 min`: whole seconds, for ETAs and wall times. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** A learning rate as people write it: 1e-3, 4.1e-4 (two significant digits). */
export function formatRate(rate: number): string {
  const [mantissa, exponent] = rate.toExponential(1).split('e');
  return `${mantissa.replace(/\.0$/, '')}e${exponent.replace('+', '')}`;
}
