import { useState } from 'react';
import { chartSvg, type LegendEntry, svgToPng } from '../charts/export';
import { downloadBlob, downloadText, fileSlug } from '../downloads';
import { appStore } from '../store';

interface ChartActionsProps {
  title: string;
  xLabel: string;
  yLabel: string;
  legend: LegendEntry[];
  figure: () => HTMLElement | null;
  /** The chart's data as CSV (every recorded point, not the decimated ones drawn). */
  csv?: () => string;
}

/** Download buttons of a chart: PNG, SVG, CSV. */
export function ChartActions(p: ChartActionsProps) {
  const [busy, setBusy] = useState(false);
  const name = `distildp-${fileSlug(p.title)}`;
  const image = () => {
    const figure = p.figure();
    const svg = figure?.querySelector<SVGSVGElement>('svg.recharts-surface');
    if (!figure || !svg) return null;
    const style = getComputedStyle(figure);
    return chartSvg(svg, {
      title: p.title,
      xLabel: p.xLabel,
      yLabel: p.yLabel,
      legend: p.legend,
      background: style.getPropertyValue('--panel').trim() || '#ffffff',
      text: style.color,
    });
  };
  const png = async () => {
    const img = image();
    if (!img) return;
    setBusy(true);
    try {
      downloadBlob(await svgToPng(img.text, img.width, img.height), `${name}.png`);
    } catch (e) {
      appStore.getState().addLog('error', `the chart could not be saved as PNG: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  const svg = () => {
    const img = image();
    if (img) downloadText(img.text, `${name}.svg`, 'image/svg+xml');
  };
  return (
    <>
      <button type="button" className="chart-button" data-testid="chart-png" disabled={busy} onClick={png}>
        PNG
      </button>
      <button type="button" className="chart-button" data-testid="chart-svg" onClick={svg}>
        SVG
      </button>
      {p.csv && (
        <button
          type="button"
          className="chart-button"
          data-testid="chart-csv"
          onClick={() => downloadText(p.csv!(), `${name}.csv`, 'text/csv')}
        >
          CSV
        </button>
      )}
    </>
  );
}
