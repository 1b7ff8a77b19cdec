import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { seriesLabel } from '../../worker/series';
import { metricLines } from '../chart-data';
import { CHART_POINTS } from '../decimate';
import { useAppStore } from '../store';
import { DPMetricsTable } from './DPMetricsTable';
import { type ChartLine, colorOf, SeriesChart } from './SeriesChart';

/** Live training charts: loss, privacy spent (with the plan and the target), throughput. */
export function LiveCharts() {
  const { points, dpPlans, target } = useAppStore(
    useShallow((s) => ({
      points: s.run.points,
      dpPlans: s.run.dpPlans,
      target: s.run.settings?.targetEpsilon ?? s.budget.settings.targetEpsilon,
    })),
  );
  const perSeries = Math.max(100, Math.floor(CHART_POINTS / 2));
  const loss = useMemo(() => metricLines(points, 'loss', perSeries), [points, perSeries]);
  const epsilon = useMemo(() => metricLines(points, 'epsilon', perSeries), [points, perSeries]);
  const speed = useMemo(() => metricLines(points, 'tokensPerSecond', perSeries), [points, perSeries]);
  const toLines = (m: ReturnType<typeof metricLines>): ChartLine[] =>
    m.lines.map((l) => ({
      key: l.series,
      label: seriesLabel(l.series),
      points: l.points,
      color: colorOf(l.series),
    }));
  const epsilonLines: ChartLine[] = [
    ...toLines(epsilon),
    ...Object.entries(dpPlans).map(([series, plan]) => ({
      key: `${series}/plan`,
      label: `${seriesLabel(series)}: expected`,
      points: plan.curve.map((c) => ({ x: c.step, y: c.epsilon })),
      color: colorOf(series),
      dashed: true,
    })),
  ];
  return (
    <section className="panel" id="charts" aria-labelledby="charts-heading">
      <h2 id="charts-heading">Live charts</h2>
      <div className="chart-grid">
        <SeriesChart
          testId="chart-loss"
          title="Training loss"
          xLabel="step"
          yLabel="loss (nats / token)"
          lines={toLines(loss)}
          rawPoints={loss.raw}
        />
        <SeriesChart
          testId="chart-epsilon"
          title="Privacy spent"
          xLabel="DP-SGD step"
          yLabel="ε spent"
          lines={epsilonLines}
          rawPoints={epsilon.raw}
          reference={{ y: target, label: `target ε = ${target}` }}
          yDomain={[0, 'auto']}
        />
        <SeriesChart
          testId="chart-throughput"
          title="Throughput"
          xLabel="step"
          yLabel="tokens / s"
          lines={toLines(speed)}
          rawPoints={speed.raw}
          yDomain={[0, 'auto']}
        />
      </div>
      <DPMetricsTable points={points} />
    </section>
  );
}
