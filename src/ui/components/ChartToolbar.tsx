import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { XAxisMode } from '../charts/axis';
import { MAX_SMOOTHING, useChartView } from '../charts/chart-view';

/** Settings of every chart: smoothing (TensorBoard's EMA slider) and the x axis. */
export function ChartToolbar() {
  const { smoothing, xAxis, setSmoothing, setXAxis } = useChartView(
    useShallow((s) => ({
      smoothing: s.smoothing,
      xAxis: s.xAxis,
      setSmoothing: s.setSmoothing,
      setXAxis: s.setXAxis,
    })),
  );
  const sliderId = useId();
  const axisId = useId();
  return (
    <div className="chart-toolbar">
      <label htmlFor={sliderId}>Smoothing</label>
      <input
        id={sliderId}
        type="range"
        min={0}
        max={MAX_SMOOTHING}
        step={0.01}
        value={smoothing}
        data-testid="smoothing"
        aria-describedby={`${sliderId}-hint`}
        onChange={(e) => setSmoothing(Number(e.currentTarget.value))}
      />
      <output htmlFor={sliderId} data-testid="smoothing-value">
        {smoothing.toFixed(2)}
      </output>
      <label htmlFor={axisId}>x axis</label>
      <select
        id={axisId}
        value={xAxis}
        data-testid="x-axis"
        onChange={(e) => setXAxis(e.currentTarget.value as XAxisMode)}
      >
        <option value="progress">Progress of each training (%)</option>
        <option value="step">Step</option>
      </select>
      <p id={`${sliderId}-hint`} className="hint">
        Smoothing is an exponential moving average of loss and throughput (the raw values stay drawn faintly
        behind). Drag across a chart to zoom, double-click to zoom out; press a legend entry to hide its line.
      </p>
    </div>
  );
}
