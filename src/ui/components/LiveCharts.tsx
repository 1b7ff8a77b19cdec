import { useDeferredValue, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { seriesLabel } from '../../contract/series';
import { type MetricLines, SeriesColumns } from '../chart-data';
import { type XAxisMode, xOf } from '../charts/axis';
import { chartCsv } from '../charts/chart-csv';
import { useChartView } from '../charts/chart-view';
import { CHART_POINTS } from '../decimate';
import { useAppStore } from '../store';
import { ChartToolbar } from './ChartToolbar';
import { DPMetricsTable } from './DPMetricsTable';
import { type ChartLine, colorOf, DASH, SeriesChart, tint } from './SeriesChart';

const X_LABELS: Record<XAxisMode, string> = {
  progress: 'training progress (% of its steps)',
  step: 'step of each training',
};

/** The four charts' lines from a run's columns (loss and throughput smoothed). */
function chartLines(columns: SeriesColumns, perSeries: number, smoothing: number) {
  return {
    loss: columns.lines('loss', perSeries, smoothing),
    validation: columns.lines('validationPpl', perSeries),
    epsilon: columns.lines('epsilon', perSeries),
    speed: columns.lines('tokensPerSecond', perSeries, smoothing),
  };
}

/** Live training charts: loss, validation perplexity, privacy spent (with the plan and the target), throughput. */
export function LiveCharts() {
  const {
    points: latest,
    dpPlans,
    target,
    compare,
  } = useAppStore(
    useShallow((s) => ({
      points: s.run.points,
      dpPlans: s.run.dpPlans,
      target: s.run.settings?.targetEpsilon ?? s.budget.settings.targetEpsilon,
      compare: s.compare,
    })),
  );
  const { smoothing, xAxis } = useChartView(useShallow((s) => ({ smoothing: s.smoothing, xAxis: s.xAxis })));
  // Under load React may skip intermediate point lists: the charts lag a little, the page never does.
  const points = useDeferredValue(latest);
  const perSeries = Math.max(100, Math.floor(CHART_POINTS / 2));
  // Columns per series, updated incrementally as points arrive (see chart-data.ts).
  const columns = useRef(new SeriesColumns()).current;
  const { loss, validation, epsilon, speed } = useMemo(
    () => chartLines(columns.update(points), perSeries, smoothing),
    [columns, points, perSeries, smoothing],
  );
  // A compared run (B): its own columns, drawn dotted under the same colours.
  const columnsB = useRef(new SeriesColumns()).current;
  const other = useMemo(
    () => (compare ? chartLines(columnsB.update(compare.points), perSeries, smoothing) : null),
    [columnsB, compare, perSeries, smoothing],
  );
  const totalB = (series: string) =>
    columnsB.totalSteps(series) ?? compare?.dpPlans[series]?.steps ?? columnsB.lastStep(series);
  const linesB = (m: MetricLines | undefined): ChartLine[] =>
    (m?.lines ?? []).map((l) => ({
      key: `B:${l.series}`,
      label: `${seriesLabel(l.series)} (run B)`,
      points: l.points.map((p) => ({ x: xOf(xAxis, p.x, totalB(l.series)), y: p.y })),
      color: colorOf(l.series),
      dash: DASH.compare,
    }));
  const total = (series: string) =>
    columns.totalSteps(series) ?? dpPlans[series]?.steps ?? columns.lastStep(series);
  const toX = (series: string, pts: { x: number; y: number }[]) =>
    pts.map((p) => ({ x: xOf(xAxis, p.x, total(series)), y: p.y }));
  const toLines = (m: MetricLines): ChartLine[] =>
    m.lines.flatMap((l) => {
      const line: ChartLine = {
        key: l.series,
        label: seriesLabel(l.series),
        points: toX(l.series, l.points),
        color: colorOf(l.series),
      };
      if (!l.raw) return [line];
      const raw = {
        ...line,
        key: `${l.series}/raw`,
        points: toX(l.series, l.raw),
        faint: true,
        group: l.series,
      };
      return [raw, line];
    });
  const epsilonLines: ChartLine[] = [
    ...toLines(epsilon),
    ...Object.entries(dpPlans).map(([series, plan]) => ({
      key: `${series}/plan`,
      label: `${seriesLabel(series)}: expected ε (plan)`,
      points: plan.curve.map((c) => ({ x: xOf(xAxis, c.step, plan.steps), y: c.epsilon })),
      color: tint(colorOf(series), 0.5),
      dash: DASH.expected,
    })),
  ];
  const csv =
    (metric: string, smoothed: number, withPlans = false) =>
    () =>
      chartCsv(
        metric,
        [
          ...columns.columnsOf(metric).map((c) => ({
            series: c.series,
            label: seriesLabel(c.series),
            steps: c.steps,
            values: c.values,
            total: total(c.series),
          })),
          ...(withPlans
            ? Object.entries(dpPlans).map(([series, plan]) => ({
                series,
                label: `${seriesLabel(series)}: expected`,
                steps: plan.curve.map((c) => c.step),
                values: plan.curve.map((c) => c.epsilon),
                total: plan.steps,
                expected: true,
              }))
            : []),
        ],
        smoothed,
      );
  const xLabel = X_LABELS[xAxis];
  const xDomain: [number, number] | undefined = xAxis === 'progress' ? [0, 100] : undefined;
  return (
    <section className="panel" id="charts" aria-labelledby="charts-heading">
      <h2 id="charts-heading">Live charts</h2>
      <ChartToolbar />
      <div className="chart-grid">
        <SeriesChart
          testId="chart-loss"
          title="Training loss"
          xLabel={xLabel}
          xDomain={xDomain}
          yLabel="loss (nats / token)"
          lines={[...toLines(loss), ...linesB(other?.loss)]}
          rawPoints={loss.raw}
          csv={csv('loss', smoothing)}
        />
        <SeriesChart
          testId="chart-validation"
          title="Validation perplexity"
          xLabel={xLabel}
          xDomain={xDomain}
          yLabel="perplexity (held-out documents)"
          lines={[...toLines(validation), ...linesB(other?.validation)]}
          rawPoints={validation.raw}
          csv={csv('validationPpl', 0)}
        />
        <SeriesChart
          testId="chart-epsilon"
          title="Privacy spent"
          xLabel={xAxis === 'step' ? 'DP-SGD step' : xLabel}
          xDomain={xDomain}
          yLabel="ε spent (of the target)"
          lines={[...epsilonLines, ...linesB(other?.epsilon)]}
          rawPoints={epsilon.raw}
          reference={{ y: target, label: `target ε = ${target}` }}
          yDomain={[0, 'auto']}
          csv={csv('epsilon', 0, true)}
        />
        <SeriesChart
          testId="chart-throughput"
          title="Throughput"
          xLabel={xLabel}
          xDomain={xDomain}
          yLabel="tokens / s"
          lines={[...toLines(speed), ...linesB(other?.speed)]}
          rawPoints={speed.raw}
          yDomain={[0, 'auto']}
          csv={csv('tokensPerSecond', smoothing)}
        />
      </div>
      <DPMetricsTable epsilon={epsilon} columns={columns} />
    </section>
  );
}
