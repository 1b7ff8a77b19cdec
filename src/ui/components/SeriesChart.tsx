import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { XY } from '../decimate';

export interface ChartLine {
  key: string;
  label: string;
  /** Already decimated (at most ~1000 points). */
  points: XY[];
  color: string;
  dashed?: boolean;
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
  yDomain?: [number | 'auto', number | 'auto'];
}

const formatTick = (v: number) =>
  Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)}k` : String(+v.toPrecision(3));

/** One line chart with units on both axes and a legend; lines may have different x values. */
export function SeriesChart(p: SeriesChartProps) {
  const drawn = p.lines.reduce((a, l) => a + l.points.length, 0);
  return (
    <figure className="chart" data-testid={p.testId} data-points={p.rawPoints} data-drawn={drawn}>
      <figcaption>
        {p.title}
        <span className="hint">
          {' '}
          ({p.rawPoints.toLocaleString('en-US')} points{drawn < p.rawPoints ? `, ${drawn} drawn` : ''})
        </span>
      </figcaption>
      {p.rawPoints === 0 ? (
        <p className="chart-empty">No data yet.</p>
      ) : (
        <ResponsiveContainer width="100%" height={260}>
          <LineChart margin={{ top: 8, right: 24, bottom: 28, left: 16 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e3e6ec" />
            <XAxis
              type="number"
              dataKey="x"
              domain={['dataMin', 'dataMax']}
              allowDuplicatedCategory={false}
              tickFormatter={formatTick}
              label={{ value: p.xLabel, position: 'insideBottom', offset: -16 }}
            />
            <YAxis
              type="number"
              domain={p.yDomain ?? ['auto', 'auto']}
              tickFormatter={formatTick}
              label={{
                value: p.yLabel,
                angle: -90,
                position: 'insideLeft',
                offset: 0,
                style: { textAnchor: 'middle' },
              }}
            />
            <Tooltip
              formatter={(v) => (typeof v === 'number' ? +v.toPrecision(4) : v)}
              labelFormatter={(x) => `${p.xLabel}: ${x}`}
            />
            <Legend verticalAlign="top" height={28} />
            {p.lines.map((l) => (
              <Line
                key={l.key}
                data={l.points}
                dataKey="y"
                name={l.label}
                stroke={l.color}
                strokeWidth={2}
                strokeDasharray={l.dashed ? '6 4' : undefined}
                dot={false}
                isAnimationActive={false}
              />
            ))}
            {p.reference && (
              <ReferenceLine
                y={p.reference.y}
                stroke="#b3261e"
                strokeDasharray="4 4"
                label={{ value: p.reference.label, position: 'insideBottomRight', fill: '#b3261e' }}
              />
            )}
          </LineChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
}

/** Stable colours per series. */
export const SERIES_COLORS: Record<string, string> = {
  'distildp/teacher': '#2556c4',
  'distildp/student': '#1c7a43',
  'synthetic/student': '#8a5a00',
  'opd/student': '#a3326a',
  'dpsgd/student': '#7b3fa0',
  'dpkd/teacher': '#0f7c8c',
  'dpkd/student': '#c2410c',
  'nonprivate/teacher': '#6b7280',
  'nonprivate/student': '#374151',
};

export function colorOf(series: string): string {
  return SERIES_COLORS[series] ?? '#5b6475';
}
