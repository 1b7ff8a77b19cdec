/**
 * Runs kept in this browser: pressing Run again with nothing changed says that run exists and
 * offers to show it or start a new one; the list of runs shows both with their settings and
 * results; comparing overlays the other run's curves and puts the results side by side; deleting
 * asks first and removes the run.
 */
import { dropFiles, expect, labelledJsonl, screenshot, test, waitForApp } from './helpers';

test('run again, list, compare and delete runs', async ({ page }) => {
  test.setTimeout(240_000);
  // The browser's Notification, recorded (a headless browser shows none).
  await page.addInitScript(() => {
    const shown: { title: string; body?: string }[] = [];
    class RecordedNotification {
      static permission: NotificationPermission = 'default';
      static async requestPermission(): Promise<NotificationPermission> {
        RecordedNotification.permission = 'granted';
        return 'granted';
      }
      constructor(title: string, options?: NotificationOptions) {
        shown.push({ title, body: options?.body });
      }
    }
    Object.assign(window, { __notices: shown });
    Object.defineProperty(window, 'Notification', { value: RecordedNotification, configurable: true });
  });
  await page.goto('/?backend=wasm&models=tiny');
  await waitForApp(page);
  // Notifications are asked for, politely, only when the user ticks the box.
  const notices = () =>
    page.evaluate(() => (window as unknown as { __notices: { title: string }[] }).__notices);
  await page.getByTestId('notify-toggle').check();
  await expect(page.getByTestId('notify-toggle')).toBeChecked();
  await dropFiles(page.getByTestId('dropzone'), { 'private.jsonl': labelledJsonl(40) });
  await expect(page.getByTestId('plan-steps')).toHaveText(/^\d+$/);
  const status = page.getByTestId('run-status');
  await page.getByTestId('start-run').click();
  await expect(status).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
  await expect.poll(notices).toEqual([
    {
      title: 'DistilDP: the run finished',
      body: expect.stringMatching(/^ε spent (1\.99\d|2\.000)\. Results and downloads are ready\.$/),
    },
  ]);
  const firstPpl = await page
    .locator('[data-method="distildp"][data-model="student"] [data-testid="result-ppl"]')
    .textContent();

  // The same run again: the privacy ledger asks to confirm spending more on these documents, then
  // the app says this exact run exists and shows the saved one when asked.
  await expect(page.getByTestId('ledger')).toHaveAttribute('data-prior-runs', '1');
  await page.getByTestId('confirm-spend').check();
  await page.getByTestId('start-run').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toContainText('You ran exactly this before');
  await expect(dialog).toContainText('The privacy ledger of this browser counts ε =');
  await page.getByTestId('confirm-alternative').click();
  await expect(status).toHaveAttribute('data-status', 'completed');
  await expect(
    page.locator('[data-method="distildp"][data-model="student"] [data-testid="result-ppl"]'),
  ).toHaveText(firstPpl!);

  // Or starts a new, separate run.
  await page.getByTestId('start-run').click();
  await page.getByTestId('confirm-yes').click();
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 30_000 });
  await expect(status).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
  const runs = page.getByTestId('saved-run');
  await expect(runs).toHaveCount(2);
  await expect(runs.first()).toContainText('Finished');
  await expect(runs.first()).toContainText('tiny test models');
  const shown = page.locator('[data-testid="saved-run"][aria-current="true"]');
  await expect(shown).toHaveCount(1);

  // Compare with the first run: its curves overlaid (dotted), results side by side.
  const other = page.locator('[data-testid="saved-run"]:not([aria-current])');
  await other.getByTestId('run-compare').click();
  await expect(page.getByTestId('compare-row').first()).toBeVisible();
  await expect(
    page.locator(
      '[data-testid="compare-row"][data-method="distildp"][data-model="student"] [data-testid="compare-ppl-b"]',
    ),
  ).toHaveText(firstPpl!);
  await expect(
    page.getByTestId('chart-loss').getByTestId('legend-entry').filter({ hasText: '(run B)' }),
  ).toHaveCount(2);
  await screenshot(page.locator('#runs'), 'runs');

  // Delete it: asked first; then it is gone, and so is the comparison.
  await other.getByTestId('run-delete').click();
  await expect(page.getByTestId('confirm-dialog')).toContainText('Delete this run?');
  await page.getByTestId('confirm-yes').click();
  await expect(runs).toHaveCount(1);
  await expect(page.getByTestId('compare')).toHaveCount(0);
  await expect(status).toHaveAttribute('data-status', 'completed');
});
