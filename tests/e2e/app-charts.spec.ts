/**
 * The charts as TensorBoard users expect them, after one tiny run: legends above the plots (never
 * over them) that toggle lines, axis titles in full, the expected ε curve unlike the spent one,
 * every training readable on the progress axis, smoothing, log scale, drag to zoom and reset, and
 * downloads of a chart as PNG and SVG and of its data as CSV.
 */
import { download, dropFiles, expect, labelledJsonl, screenshot, test, waitForApp } from './helpers';

test('advanced settings reach the run; charts: legend toggles, progress axis, smoothing, log scale, zoom, PNG/SVG/CSV downloads', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto('/?backend=wasm&models=tiny');
  await waitForApp(page);
  await dropFiles(page.getByTestId('dropzone'), { 'private.jsonl': labelledJsonl(56) });
  await expect(page.getByTestId('plan-steps')).toHaveText(/^\d+$/);
  // Advanced settings feed the run: a smaller synthetic corpus (the tiny profile's default is 12).
  await page.getByTestId('advanced-settings').locator('summary').click();
  await expect(page.getByTestId('advanced-synthetic-samples')).toHaveAttribute('placeholder', 'default 12');
  await page.getByTestId('advanced-synthetic-samples').fill('6');
  await expect(page.getByTestId('advanced-settings').locator('summary')).toContainText('(1 changed)');
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', {
    timeout: 120_000,
  });

  await expect(page.getByTestId('corpus-note')).toContainText(/and [1-6] were drawn at random/);

  const loss = page.getByTestId('chart-loss');
  const lines = loss.locator('.recharts-line-curve');
  // Both trainings (the DP teacher and the distilled student) span the whole progress axis.
  await expect(page.getByTestId('x-axis')).toHaveValue('progress');
  const [lo, hi] = ((await loss.getAttribute('data-x-domain')) ?? '').split(',').map(Number);
  expect(lo).toBeLessThanOrEqual(10);
  expect(hi).toBe(100);

  // The legend is above the plot, not on it.
  const legendBox = await loss.locator('.chart-legend').boundingBox();
  const plotBox = await loss.getByTestId('plot').boundingBox();
  expect(legendBox && plotBox && legendBox.y + legendBox.height <= plotBox.y).toBe(true);
  await expect(page.getByTestId('chart-validation').getByTestId('y-title')).toHaveText(
    'perplexity (held-out documents)',
  );

  // Expected ε: its own (dashed, lighter) colour, not the spent line's.
  const epsilon = page.getByTestId('chart-epsilon');
  const swatches = await epsilon
    .locator('.legend-swatch line')
    .evaluateAll((ls) =>
      ls.map((l) => `${l.getAttribute('stroke')} ${l.getAttribute('stroke-dasharray') ?? ''}`),
    );
  expect(swatches).toHaveLength(3); // spent, expected, target
  expect(new Set(swatches).size).toBe(3);

  // Smoothing: the raw line stays drawn faintly behind each smoothed one.
  await page.getByTestId('smoothing').fill('0');
  const plain = await lines.count();
  await page.getByTestId('smoothing').fill('0.9');
  await expect(page.getByTestId('smoothing-value')).toHaveText('0.90');
  await expect(lines).toHaveCount(plain * 2);

  // Legend toggle hides a line (and its faint raw twin).
  const teacher = loss.locator('[data-testid="legend-entry"][data-key="distildp/teacher"]');
  await teacher.click();
  await expect(teacher).toHaveAttribute('aria-pressed', 'false');
  await expect(lines).toHaveCount(plain * 2 - 2);
  await teacher.click();
  await expect(lines).toHaveCount(plain * 2);

  // Log scale.
  await loss.getByTestId('chart-log').click();
  await expect(loss).toHaveAttribute('data-log', 'true');
  await expect(loss.getByTestId('y-title')).toContainText('(log scale)');
  await loss.getByTestId('chart-log').click();
  // The plot's box is read after the linear axis is back (its title and ticks change its layout).
  await expect(loss).toHaveAttribute('data-log', 'false');
  await expect(loss.getByTestId('y-title')).not.toContainText('(log scale)');

  // Drag to zoom into the middle of the plot, then reset. hover() scrolls the plot into view, waits
  // until its box is stable and checks that the point receives the events: raw mouse moves at a
  // box read earlier hit nothing when the plot sits at the viewport's edge (its bottom was below the
  // fold here) or the layout moves in between.
  const plotArea = loss.getByTestId('plot');
  const box = (await plotArea.boundingBox())!;
  await plotArea.hover({ position: { x: box.width * 0.4, y: box.height / 2 } });
  await page.mouse.down();
  await plotArea.hover({ position: { x: box.width * 0.55, y: box.height / 2 } });
  await plotArea.hover({ position: { x: box.width * 0.7, y: box.height / 2 } });
  await page.mouse.up();
  await expect(loss).toHaveAttribute('data-zoomed', 'true');
  const [zlo, zhi] = ((await loss.getAttribute('data-x-domain')) ?? '').split(',').map(Number);
  expect(zlo).toBeGreaterThan(lo);
  expect(zhi).toBeLessThan(hi);
  await screenshot(page.locator('#charts'), 'charts-zoomed');
  await loss.getByTestId('chart-reset-zoom').click();
  await expect(loss).toHaveAttribute('data-zoomed', 'false');

  // Downloads: a real PNG, an SVG with the title and lines, and every recorded point as CSV.
  const png = await download(page, loss.getByTestId('chart-png'));
  expect(png.name).toBe('distildp-training-loss.png');
  expect(png.bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.bytes.readUInt32BE(16)).toBeGreaterThan(300); // width at 2x
  const svg = (await download(page, loss.getByTestId('chart-svg'))).bytes.toString('utf8');
  expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(svg).toContain('Training loss');
  expect(svg).toContain('recharts-line-curve');
  const csv = (await download(page, loss.getByTestId('chart-csv'))).bytes
    .toString('utf8')
    .trim()
    .split('\r\n');
  expect(csv[0]).toBe('series,label,kind,step,progress_percent,loss,loss_smoothed_0.9');
  expect(csv.length - 1).toBe(Number(await loss.getAttribute('data-points')));
  await page.getByTestId('smoothing').fill('0.6');
  await screenshot(page.locator('#charts'), 'charts');
});
