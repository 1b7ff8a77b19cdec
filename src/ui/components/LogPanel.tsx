import { useAppStore } from '../store';

const timeFormat = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** The worker's and the UI's log lines, newest last, folded away by default. */
export function LogPanel() {
  const logs = useAppStore((s) => s.logs);
  const errors = logs.filter((l) => l.level === 'error').length;
  return (
    <details className="panel log-panel">
      <summary>
        Log ({logs.length} line{logs.length === 1 ? '' : 's'}
        {errors > 0 ? `, ${errors} error${errors === 1 ? '' : 's'}` : ''})
      </summary>
      <ol className="log" data-testid="log">
        {logs.map((entry, i) => (
          // Entries are append-only and never reordered, so the index is a stable key.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <li key={i} className={`log-${entry.level}`}>
            <time dateTime={new Date(entry.time).toISOString()}>{timeFormat.format(entry.time)}</time>{' '}
            <span className="log-source">{entry.source}</span> {entry.message}
          </li>
        ))}
      </ol>
    </details>
  );
}
