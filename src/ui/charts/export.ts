/**
 * A chart as a standalone image: the recharts SVG with its computed styles inlined (the page's CSS
 * does not travel with a file), framed with the title, the axis titles and the legend, which the
 * page draws as HTML. PNG is that SVG drawn on a canvas at 2x. Nothing is fetched: the image is a
 * data: URL (the CSP allows data: images).
 */

export interface LegendEntry {
  label: string;
  color: string;
  /** SVG stroke-dasharray. */
  dash?: string;
}

export interface ChartImageMeta {
  title: string;
  xLabel: string;
  yLabel: string;
  legend: LegendEntry[];
  background: string;
  text: string;
}

const STYLE_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'opacity',
  'font-size',
  'font-family',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
  'visibility',
];

function inlineStyles(source: Element, clone: Element): void {
  const computed = getComputedStyle(source);
  const style = STYLE_PROPS.map((p) => `${p}:${computed.getPropertyValue(p)}`)
    .filter((s) => !s.endsWith(':'))
    .join(';');
  clone.setAttribute('style', style);
  for (let i = 0; i < source.children.length; i++) inlineStyles(source.children[i], clone.children[i]);
}

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`,
  );
}

const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif';
/** Rough width of a legend label in 12 px text (layout only; nothing depends on it exactly). */
const charWidth = 6.6;

/** The standalone SVG document of a rendered chart, and its size. */
export function chartSvg(
  svg: SVGSVGElement,
  meta: ChartImageMeta,
): { text: string; width: number; height: number } {
  const width = Math.round(svg.getBoundingClientRect().width) || 600;
  const plotHeight = Math.round(svg.getBoundingClientRect().height) || 260;
  const clone = svg.cloneNode(true) as SVGSVGElement;
  inlineStyles(svg, clone);
  // Legend rows: entries flow left to right and wrap at the image width.
  const rows: { entry: LegendEntry; x: number; row: number }[] = [];
  let x = 12;
  let row = 0;
  for (const entry of meta.legend) {
    const w = 34 + entry.label.length * charWidth + 16;
    if (x + w > width && x > 12) {
      row++;
      x = 12;
    }
    rows.push({ entry, x, row });
    x += w;
  }
  const top = 28 + 18; // title, then the y-axis title
  const legendTop = top + plotHeight + 22; // below the plot and the x-axis title
  const height = legendTop + (meta.legend.length ? (row + 1) * 18 : 0) + 6;
  clone.setAttribute('x', '0');
  clone.setAttribute('y', String(top));
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(plotHeight));
  const text = (tx: number, ty: number, s: string, size: number, extra = '') =>
    `<text x="${tx}" y="${ty}" fill="${meta.text}" font-family="${FONT}" font-size="${size}"${extra}>${escapeXml(s)}</text>`;
  const legend = rows
    .map(
      ({ entry, x: lx, row: r }) =>
        `<line x1="${lx}" x2="${lx + 26}" y1="${legendTop + r * 18 + 8}" y2="${legendTop + r * 18 + 8}" stroke="${entry.color}" stroke-width="2.5"${entry.dash ? ` stroke-dasharray="${entry.dash}"` : ''}/>` +
        text(lx + 32, legendTop + r * 18 + 12, entry.label, 12),
    )
    .join('');
  const doc = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="${meta.background}"/>`,
    text(12, 20, meta.title, 15, ' font-weight="600"'),
    text(12, top - 6, meta.yLabel, 12),
    new XMLSerializer().serializeToString(clone),
    text(width / 2, top + plotHeight + 14, meta.xLabel, 12, ' text-anchor="middle"'),
    legend,
    '</svg>',
  ].join('');
  return { text: doc, width, height };
}

/** The SVG drawn on a canvas at `scale` times its size, as a PNG blob. */
export async function svgToPng(svgText: string, width: number, height: number, scale = 2): Promise<Blob> {
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser has no 2D canvas');
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0, width, height);
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the PNG could not be encoded'))), 'image/png'),
  );
}
