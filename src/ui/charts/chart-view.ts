/**
 * How the charts are viewed (not what they show): smoothing, x axis, log scale, hidden series and
 * zoom. A small store of its own, apart from the app store (run data); smoothing and the x axis
 * are remembered in localStorage, like TensorBoard remembers its smoothing.
 */
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import type { Range, XAxisMode } from './axis';

export interface ChartView {
  /** EMA weight in [0, 0.99] (TensorBoard's smoothing slider). */
  smoothing: number;
  xAxis: XAxisMode;
  log: Record<string, boolean>;
  /** Per chart id, the line keys hidden from the legend. */
  hidden: Record<string, string[]>;
  zoom: Record<string, Range | null>;
}

export interface ChartViewActions {
  setSmoothing(weight: number): void;
  setXAxis(mode: XAxisMode): void;
  toggleLog(chart: string): void;
  toggleLine(chart: string, key: string): void;
  setZoom(chart: string, range: Range | null): void;
}

const STORAGE_KEY = 'distildp.charts';
export const MAX_SMOOTHING = 0.99;

function remembered(): Pick<ChartView, 'smoothing' | 'xAxis'> {
  const fallback = { smoothing: 0.6, xAxis: 'progress' as XAxisMode };
  try {
    const raw = JSON.parse(globalThis.localStorage?.getItem(STORAGE_KEY) ?? 'null');
    const smoothing = Number(raw?.smoothing);
    return {
      smoothing: smoothing >= 0 && smoothing <= MAX_SMOOTHING ? smoothing : fallback.smoothing,
      xAxis: raw?.xAxis === 'step' || raw?.xAxis === 'progress' ? raw.xAxis : fallback.xAxis,
    };
  } catch {
    return fallback;
  }
}

function remember(v: Pick<ChartView, 'smoothing' | 'xAxis'>): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(v));
  } catch {
    // Private mode or full storage: the choice lasts for this page only.
  }
}

export function createChartViewStore(initial: Partial<ChartView> = {}) {
  return createStore<ChartView & ChartViewActions>()((set, get) => ({
    ...remembered(),
    log: {},
    hidden: {},
    zoom: {},
    ...initial,
    setSmoothing: (weight) => {
      const smoothing = Math.min(MAX_SMOOTHING, Math.max(0, weight));
      set({ smoothing });
      remember({ smoothing, xAxis: get().xAxis });
    },
    setXAxis: (xAxis) => {
      // Zoom ranges are in the old axis' units.
      set({ xAxis, zoom: {} });
      remember({ smoothing: get().smoothing, xAxis });
    },
    toggleLog: (chart) => set((s) => ({ log: { ...s.log, [chart]: !s.log[chart] } })),
    toggleLine: (chart, key) =>
      set((s) => {
        const hidden = s.hidden[chart] ?? [];
        return {
          hidden: {
            ...s.hidden,
            [chart]: hidden.includes(key) ? hidden.filter((k) => k !== key) : [...hidden, key],
          },
        };
      }),
    setZoom: (chart, range) => set((s) => ({ zoom: { ...s.zoom, [chart]: range } })),
  }));
}

export const chartViewStore = createChartViewStore();

export function useChartView<T>(selector: (s: ChartView & ChartViewActions) => T): T {
  return useStore(chartViewStore, selector);
}
