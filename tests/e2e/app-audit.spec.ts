/**
 * The app's privacy audit, as a user runs it (tiny models, wasm): with data and models loaded,
 * choose a white-box audit of DistilDP's DP-SGD step, watch its progress, and read the claimed
 * epsilon next to the audited lower bound with a plain-language explanation. No request leaves
 * 127.0.0.1 (the automatic recorder fixture).
 */
import { dropFiles, expect, labelledJsonl, screenshot, test, waitForApp } from './helpers';

test('white-box audit of the DP-SGD step: claimed epsilon next to the audited bound, in words', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto('/?backend=wasm&models=tiny');
  await waitForApp(page);
  await expect(page.getByTestId('start-audit')).toBeDisabled(); // no data yet
  await dropFiles(page.getByTestId('dropzone'), { 'private.jsonl': labelledJsonl(56) });
  await expect(page.getByTestId('split-train')).toHaveText(/^[1-9]\d+$/);
  await expect(page.getByTestId('start-audit')).toBeEnabled();
  await page.getByTestId('audit-choice').selectOption({ index: 0 });
  await page.getByTestId('start-audit').click();
  await expect(page.getByTestId('audit-status')).toHaveAttribute('data-status', 'running');
  await expect(page.getByTestId('start-run')).toBeDisabled(); // no run while the audit trains
  await expect(page.getByTestId('audit-status')).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  const headline = (await page.getByTestId('audit-headline').textContent()) ?? '';
  const m = headline.match(/^claimed epsilon (\d+\.\d\d); audited lower bound (\d+\.\d\d) \(95%\)$/);
  expect(m, headline).not.toBeNull();
  expect(Number(m?.[1])).toBeLessThanOrEqual(2);
  expect(Number(m?.[2])).toBeLessThanOrEqual(Number(m?.[1]));
  await expect(page.getByTestId('audit-explanation')).toContainText('made-up test records');
  await expect(page.getByTestId('start-run')).toBeEnabled();
  await screenshot(page.locator('#audit'), 'audit');
});
