/**
 * The app's DP steps on every core: with the shipped (standard) models, which are large enough to
 * be worth splitting, the training worker starts a gradient worker beside itself on the first DP
 * step (src/worker/worker.ts offerGradientHelpers), says so in the log, and the steps go on. The
 * run is cancelled after a few steps: the speed is the benchmark's business (README, WASM threads).
 */
import { expect, expectRunStatus, test, waitForApp } from './helpers';

test('a standard DP run starts a gradient worker and trains on it', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?backend=wasm&demo=1');
  await waitForApp(page);
  await expect(page.getByTestId('backend-threads')).toHaveAttribute('data-threads', '2');
  await expect(page.getByTestId('split-train')).not.toHaveText('0', { timeout: 60_000 });
  await page.getByTestId('start-run').click();
  await expectRunStatus(page, 'running');
  await expect(page.getByTestId('log')).toContainText(
    'DP steps on 2 threads: this worker and 1 gradient worker',
    {
      timeout: 180_000,
    },
  );
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-points', /^([3-9]|\d{2,})$/, {
    timeout: 180_000,
  });
  await expectRunStatus(page, 'running');
  await page.getByTestId('cancel-run').click();
  await page.getByTestId('confirm-yes').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'cancelled', {
    timeout: 60_000,
  });
});
