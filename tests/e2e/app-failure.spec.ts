/**
 * A failure stops the run with a clear message and the last checkpoint intact, and the user can
 * continue on another backend. The divergence is injected (`?fault=diverge@6`: the DP teacher's
 * loss "becomes NaN" right after step 6, whose checkpoint was written); then "continue on CPU"
 * restarts the worker on the CPU backend and resumes from step 6, epsilon history unchanged.
 */
import { dropFiles, expect, labelledJsonl, test, waitForApp } from './helpers';

test('a diverged run stops with the reason, keeps its checkpoint, and continues on another backend', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto('/?backend=wasm&models=tiny&fault=diverge@6');
  await waitForApp(page);
  await dropFiles(page.getByTestId('dropzone'), { 'private.jsonl': labelledJsonl(56) });
  await expect(page.getByTestId('plan-steps')).not.toBeEmpty();
  await page.getByTestId('start-run').click();

  const failure = page.getByTestId('run-failure');
  await expect(failure).toBeVisible({ timeout: 120_000 });
  await expect(failure).toHaveAttribute('data-kind', 'non-finite');
  await expect(failure).toContainText('Training diverged: the loss became NaN or infinite');
  await expect(failure).toContainText('The last checkpoint is intact');
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'failed');
  const rows = page.locator(
    '[data-testid="epsilon-table"][data-series="distildp/teacher"] [data-testid="epsilon-row"]',
  );
  const before = await rows.evaluateAll((r) =>
    r.map((e) => [e.getAttribute('data-step'), e.getAttribute('data-epsilon')]),
  );
  expect(before.map(([s]) => Number(s))).toEqual([1, 2, 3, 4, 5]); // step 6 failed before it was reported

  await failure.getByRole('combobox').selectOption('cpu');
  await failure.getByRole('button', { name: 'Restart the backend and resume' }).click();
  await expect(page.getByTestId('backend-name')).toHaveText('CPU', { timeout: 120_000 });
  expect(new URL(page.url()).searchParams.get('backend')).toBe('cpu');
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  await expect(page.getByTestId('step-resumed')).toBeVisible();
  // It continues after the checkpoint of step 6 (step 7 is the first new one), history unchanged.
  await expect
    .poll(
      async () =>
        Math.max(...(await rows.evaluateAll((r) => r.map((e) => Number(e.getAttribute('data-step')))))),
      {
        timeout: 120_000,
      },
    )
    .toBeGreaterThanOrEqual(7);
  const after = await rows.evaluateAll((r) =>
    r.map((e) => [e.getAttribute('data-step'), e.getAttribute('data-epsilon')]),
  );
  expect(after.slice(0, 5)).toEqual(before);
  expect(after.map(([s]) => Number(s))).not.toContain(6);

  await page.getByTestId('cancel-run').click();
  await expect(page.getByTestId('confirm-dialog')).toContainText('Cancel this run?');
  await page.getByTestId('confirm-yes').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'cancelled', {
    timeout: 120_000,
  });
});
