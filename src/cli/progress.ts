/** Progress lines with rate and ETA for long CLI work (printed to stderr, throttled). */
export function progressPrinter(err: (s: string) => void, label: string, total: number, everyMs = 5000) {
  const started = Date.now();
  let last = 0;
  return (done: number, extra = '', force = false) => {
    const now = Date.now();
    if (!force && now - last < everyMs && done < total) return;
    last = now;
    const elapsed = (now - started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : Number.NaN;
    const fmt = (s: number) =>
      Number.isFinite(s)
        ? s >= 3600
          ? `${(s / 3600).toFixed(1)}h`
          : s >= 60
            ? `${(s / 60).toFixed(1)}m`
            : `${s.toFixed(0)}s`
        : '?';
    err(
      `${label} ${Number.isInteger(done) ? done : done.toFixed(1)}/${total} (${((100 * done) / total).toFixed(0)}%) elapsed ${fmt(elapsed)} ETA ${fmt(eta)} ${extra}`,
    );
  };
}
