import { useDeferredValue, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { seriesLabel } from '../../contract/series';
import { type MetricLines, SeriesColumns } from '../chart-data';
import { CHART_POINTS } from '../decimate';
import { useAppStore } from '../store';
import { DPMetricsTable } from './DPMetricsTable';
import { type ChartLine, colorOf, SeriesChart } from './SeriesChart';

/** Live training charts: loss, validation perplexity, privacy spent (with the plan and the target), throughput. */
export function LiveCharts() {
  const {
    points: latest,
    dpPlans,
    target,
  } = useAppStore(
    useShallow((s) => ({
      points: s.run.points,
      dpPlans: s.run.dpPlans,
      target: s.run.settings?.targetEpsilon ?? s.budget.settings.targetEpsilon,
    })),
  );
  // Under load React may skip intermediate point lists: the charts lag a little, the page never does.
  const points = useDeferredValue(latest);
  const perSeries = Math.max(100, Math.floor(CHART_POINTS / 2));
  // Columns per series, updated incrementally as points arrive (see chart-data.ts).
  const columns = useRef(new SeriesColumns()).current;
  const { loss, validation, epsilon, speed } = useMemo(() => {
    columns.update(points);
    return {
      loss: columns.lines('loss', perSeries),
      validation: columns.lines('validationPpl', perSeries),
      epsilon: columns.lines('epsilon', perSeries),
      speed: columns.lines('tokensPerSecond', perSeries),
    };
  }, [columns, points, perSeries]);
  const toLines = (m: MetricLines): ChartLine[] =>
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
          testId="chart-validation"
          title="Validation perplexity"
          xLabel="step"
          yLabel="perplexity (on held-out documents)"
          lines={toLines(validation)}
          rawPoints={validation.raw}
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
      <DPMetricsTable epsilon={epsilon} columns={columns} />
    </section>
  );
}
