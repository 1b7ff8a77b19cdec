import { type PointerEvent, useRef, useState } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { clipToRange, dragToRange, niceTicks, positiveOnly, type Range, xExtent } from '../charts/axis';
import { useChartView } from '../charts/chart-view';
import type { XY } from '../decimate';
import { ChartActions } from './ChartActions';
import { ChartLegend, type ToggleEntry } from './ChartLegend';

export interface ChartLine {
  key: string;
  label: string;
  /** Already decimated (at most ~1000 points). */
  points: XY[];
  color: string;
  /** SVG stroke-dasharray (DASH.expected for planned curves, DASH.compare for another run). */
  dash?: string;
  /** Drawn faintly behind (the raw line under a smoothed one); not in the legend. */
  faint?: boolean;
  /** The legend entry that shows and hides this line (default: its own key). */
  group?: string;
}

interface SeriesChartProps {
  testId: string;
  title: string;
  xLabel: string;
  yLabel: string;
  lines: ChartLine[];
  /** Points before decimation (shown in the caption, and to tests). */
  rawPoints: number;
  reference?: { y: number; label: string };
  /** The whole x range (e.g. 0-100 % on the progress axis); default: the lines' extent. */
  xDomain?: Range;
  yDomain?: [number | 'auto', number | 'auto'];
  /** The data behind the chart as CSV (a CSV button when given). */
  csv?: () => string;
}

const formatTick = (v: number) =>
  Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)}k` : String(+v.toPrecision(3));

const REFERENCE_COLOR = '#c0392b';

/** Line styles: planned curves, the target, and the lines of a compared run. */
export const DASH = { expected: '6 4', reference: '4 4', compare: '2 3' };
const PLOT_HEIGHT = 240;

/** The plot area of a rendered recharts chart in client pixels (from its grid lines). */
function plotArea(root: HTMLElement | null): { left: number; width: number } | null {
  const svg = root?.querySelector('svg.recharts-surface');
  const line = root?.querySelector<SVGLineElement>('.recharts-cartesian-grid-horizontal line');
  if (!svg || !line) return null;
  const x1 = line.x1.baseVal.value;
  const x2 = line.x2.baseVal.value;
  return { left: svg.getBoundingClientRect().left + Math.min(x1, x2), width: Math.abs(x2 - x1) };
}

/**
 * One line chart, as TensorBoard shows scalars: the legend above the plot (entries toggle lines),
 * axis titles outside it (never cut), log scale, drag to zoom (double-click or Reset zoom to undo),
 * and downloads of the picture (PNG, SVG) and of the data (CSV). Lines may have different x values.
 */
export function SeriesChart(p: SeriesChartProps) {
  const figureRef = useRef<HTMLElement>(null);
  const plotRef = useRef<HTMLDivElement>(null);
  const log = useChartView((s) => s.log[p.testId] ?? false);
  const hidden = useChartView((s) => s.hidden[p.testId]);
  const zoom = useChartView((s) => s.zoom[p.testId] ?? null);
  const { toggleLog, toggleLine, setZoom } = useChartView((s) => s);
  const [drag, setDrag] = useState<{ a: number; b: number; left: number } | null>(null);

  const isHidden = (l: ChartLine) => hidden?.includes(l.group ?? l.key) ?? false;
  const visible = p.lines.filter((l) => !isHidden(l));
  const domain: Range | null = zoom ?? p.xDomain ?? xExtent(visible);
  const drawn = visible.map((l) => {
    const clipped = clipToRange(l.points, zoom);
    return { ...l, points: log ? positiveOnly(clipped) : clipped };
  });
  const drawnCount = p.lines.filter((l) => !l.faint).reduce((a, l) => a + l.points.length, 0);
  const legend: ToggleEntry[] = p.lines
    .filter((l) => !l.faint)
    .map((l) => ({ key: l.key, label: l.label, color: l.color, dash: l.dash, hidden: isHidden(l) }));
  if (p.reference)
    legend.push({
      key: 'reference',
      label: p.reference.label,
      color: REFERENCE_COLOR,
      dash: DASH.reference,
      hidden: false,
      fixed: true,
    });

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    const area = plotArea(plotRef.current);
    if (e.button !== 0 || !area || e.clientX < area.left || e.clientX > area.left + area.width) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    setDrag({ a: e.clientX, b: e.clientX, left: e.currentTarget.getBoundingClientRect().left });
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    if (!drag) return;
    const area = plotArea(plotRef.current);
    setDrag(null);
    const range = area && domain && dragToRange(drag.a, e.clientX, area.left, area.width, domain);
    if (range) setZoom(p.testId, range);
  };

  return (
    <figure
      ref={figureRef}
      className="chart"
      data-testid={p.testId}
      data-points={p.rawPoints}
      data-drawn={drawnCount}
      data-x-domain={domain ? domain.map((v) => +v.toPrecision(6)).join(',') : ''}
      data-zoomed={zoom !== null}
      data-log={log}
    >
      <figcaption className="chart-head">
        <span className="chart-title">
          {p.title}
          <span className="hint">
            {' '}
            ({p.rawPoints.toLocaleString('en-US')} points
            {drawnCount < p.rawPoints ? `, ${drawnCount} drawn` : ''})
          </span>
        </span>
        {p.rawPoints > 0 && (
          <span className="chart-actions">
            <button
              type="button"
              className="chart-button"
              aria-pressed={log}
              data-testid="chart-log"
              onClick={() => toggleLog(p.testId)}
            >
              Log scale
            </button>
            {zoom && (
              <button
                type="button"
                className="chart-button"
                data-testid="chart-reset-zoom"
                onClick={() => setZoom(p.testId, null)}
              >
                Reset zoom
              </button>
            )}
            <ChartActions
              title={p.title}
              xLabel={p.xLabel}
              yLabel={p.yLabel}
              legend={legend.filter((e) => !e.hidden)}
              figure={() => figureRef.current}
              csv={p.csv}
            />
          </span>
        )}
      </figcaption>
      {p.rawPoints === 0 ? (
        <p className="chart-empty">No data yet.</p>
      ) : (
        <>
          <ChartLegend entries={legend} onToggle={(key) => toggleLine(p.testId, key)} />
          <p className="axis-title axis-title-y" data-testid="y-title">
            {p.yLabel}
            {log ? ' (log scale)' : ''}
          </p>
          {/* Drag across the plot to zoom into a range of x; double-click to zoom out. */}
          <div
            ref={plotRef}
            className="plot"
            data-testid="plot"
            onPointerDown={onPointerDown}
            onPointerMove={(e) => drag && setDrag({ ...drag, b: e.clientX })}
            onPointerUp={onPointerUp}
            onPointerCancel={() => setDrag(null)}
            onDoubleClick={() => setZoom(p.testId, null)}
          >
            <ResponsiveContainer width="100%" height={PLOT_HEIGHT}>
              <LineChart margin={{ top: 8, right: 20, bottom: 4, left: 4 }}>
                <CartesianGrid strokeDasharray="3 3" className="chart-gridlines" />
                <XAxis
                  type="number"
                  dataKey="x"
                  domain={domain ?? ['dataMin', 'dataMax']}
                  ticks={domain ? niceTicks(domain[0], domain[1]) : undefined}
                  allowDataOverflow
                  allowDuplicatedCategory={false}
                  tickFormatter={formatTick}
                />
                <YAxis
                  type="number"
                  width={56}
                  scale={log ? 'log' : 'auto'}
                  domain={log ? ['auto', 'auto'] : (p.yDomain ?? ['auto', 'auto'])}
                  allowDataOverflow={log}
                  tickFormatter={formatTick}
                />
                <Tooltip
                  contentStyle={{ background: 'var(--panel)', borderColor: 'var(--border)' }}
                  formatter={(v) => (typeof v === 'number' ? +v.toPrecision(4) : v)}
                  labelFormatter={(x) => `${p.xLabel}: ${typeof x === 'number' ? +x.toPrecision(4) : x}`}
                />
                {drawn.map((l) => (
                  <Line
                    key={l.key}
                    data={l.points}
                    dataKey="y"
                    name={l.label}
                    stroke={l.color}
                    strokeWidth={l.faint ? 1 : 2}
                    strokeOpacity={l.faint ? 0.28 : 1}
                    strokeDasharray={l.dash}
                    dot={false}
                    activeDot={l.faint ? false : undefined}
                    tooltipType={l.faint ? 'none' : undefined}
                    isAnimationActive={false}
                  />
                ))}
                {p.reference && (
                  <ReferenceLine
                    y={p.reference.y}
                    stroke={REFERENCE_COLOR}
                    strokeDasharray={DASH.reference}
                    ifOverflow="extendDomain"
                  />
                )}
              </LineChart>
            </ResponsiveContainer>
            {drag && Math.abs(drag.b - drag.a) > 2 && (
              <div
                className="zoom-selection"
                style={{ left: Math.min(drag.a, drag.b) - drag.left, width: Math.abs(drag.b - drag.a) }}
              />
            )}
          </div>
          <p className="axis-title axis-title-x">{p.xLabel}</p>
        </>
      )}
    </figure>
  );
}

/**
 * Stable colours per series, mid-tones readable on the light and the dark theme. The expected
 * (planned) ε curves use a light tint of their series' colour, dashed, so they never look like
 * the ε actually spent.
 */
export const SERIES_COLORS: Record<string, string> = {
  'distildp/teacher': '#3b6fd8',
  'distildp/student': '#1f9d55',
  'synthetic/student': '#c28a00',
  'opd/student': '#c44d8a',
  'dpsgd/student': '#9b59c6',
  'dpkd/teacher': '#1597a8',
  'dpkd/student': '#e0641a',
  'nonprivate/teacher': '#8b93a1',
  'nonprivate/student': '#6b7485',
};

export function colorOf(series: string): string {
  return SERIES_COLORS[series] ?? '#5b6475';
}

/** A colour mixed with white (amount 0..1): the expected-ε lines. */
export function tint(hex: string, amount: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(c + (255 - c) * amount);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(mix);
  return `#${((r << 16) | (g << 8) | b).toString(16).padStart(6, '0')}`;
}
