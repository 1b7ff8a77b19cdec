import type { LegendEntry } from '../charts/export';

export interface ToggleEntry extends LegendEntry {
  key: string;
  hidden: boolean;
  /** Reference lines (the target ε) are explained, not toggled. */
  fixed?: boolean;
}

/** The legend above a chart, never over it; pressing an entry hides or shows its line. */
export function ChartLegend({ entries, onToggle }: { entries: ToggleEntry[]; onToggle(key: string): void }) {
  if (entries.length === 0) return null;
  return (
    <ul className="chart-legend" aria-label="Legend (press an entry to hide or show its line)">
      {entries.map((e) => {
        const swatch = (
          <svg width="26" height="10" aria-hidden="true" className="legend-swatch">
            <line x1="1" x2="25" y1="5" y2="5" stroke={e.color} strokeWidth="3" strokeDasharray={e.dash} />
          </svg>
        );
        return (
          <li key={e.key}>
            {e.fixed ? (
              <span className="legend-entry legend-fixed">
                {swatch}
                {e.label}
              </span>
            ) : (
              <button
                type="button"
                className={`legend-entry${e.hidden ? ' legend-hidden' : ''}`}
                aria-pressed={!e.hidden}
                data-testid="legend-entry"
                data-key={e.key}
                onClick={() => onToggle(e.key)}
              >
                {swatch}
                {e.label}
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
