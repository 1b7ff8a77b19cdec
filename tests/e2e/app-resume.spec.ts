/**
 * Nothing lost: a reload in the middle of DP training offers to resume; resuming continues from the
 * last checkpoint (the DP teacher's stage says so, and the loss and epsilon points before the
 * checkpoint stay exactly as they were: a restart would have replaced them), epsilon never resets
 * or goes down, and the run finishes. The main controls (start, pause, resume, cancel, export) are
 * reached with Tab and pressed with Enter. Cancel deletes the run: no resume offer after a reload.
 */
import type { Locator, Page } from '@playwright/test';
import {
  download,
  dropFiles,
  expect,
  expectRunStatus,
  labelledJsonl,
  screenshot,
  test,
  waitForApp,
} from './helpers';

/** 20 epochs at q = 4/50: ceil(20 / q) = 250 DP steps, long enough to reload in the middle. */
const EPOCHS = '20';
const STEPS = 250;

async function prepare(page: Page, query = ''): Promise<void> {
  await page.goto(`/?backend=wasm&models=tiny${query}`);
  await waitForApp(page);
  await dropFiles(page.getByTestId('dropzone'), {
    'private.jsonl': labelledJsonl(56),
    'notes.txt': 'A plain note about the harbour and the garden.',
  });
  await expect(page.getByTestId('split-train')).toHaveText('50');
  await page.getByTestId('epochs-input').fill(EPOCHS);
  await expect(page.getByTestId('plan-steps')).toHaveText(String(STEPS));
}

/** Presses Tab (at most `limit` times) until `target` has focus, then Enter. */
async function tabToAndPress(page: Page, target: Locator, limit = 40): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) {
      await page.keyboard.press('Enter');
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target}`);
}

interface Row {
  step: number;
  epsilon: string;
  loss: string;
}

async function teacherRows(page: Page): Promise<Row[]> {
  return page
    .locator('[data-testid="epsilon-table"][data-series="distildp/teacher"] [data-testid="epsilon-row"]')
    .evaluateAll((rows) =>
      rows.map((r) => ({
        step: Number(r.getAttribute('data-step')),
        epsilon: r.getAttribute('data-epsilon') ?? '',
        loss: r.getAttribute('data-loss') ?? '',
      })),
    );
}

const maxStep = (rows: Row[]) => Math.max(0, ...rows.map((r) => r.step));

test('a reload mid-training offers resume, continues from the checkpoint with the same epsilon history, and finishes', async ({
  page,
}) => {
  test.setTimeout(480_000);
  await prepare(page);
  // Keyboard: from the epochs field, Tab reaches the Run button.
  await page.getByTestId('epochs-input').focus();
  await tabToAndPress(page, page.getByTestId('start-run'));
  await expectRunStatus(page, 'running');
  await expect(page.getByTestId('run-status')).toContainText('last checkpoint: DP teacher (DP-SGD)', {
    timeout: 120_000,
  });
  await expect
    .poll(async () => maxStep(await teacherRows(page)), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(12);
  const before = await teacherRows(page);
  const snapshotStep = maxStep(before);
  expect(snapshotStep).toBeLessThan(STEPS);

  await page.reload();
  await waitForApp(page);
  // The runs live in OPFS (writes are scratch files renamed over their targets), not in a fallback.
  await expect(page.getByTestId('storage-info')).toContainText('(origin private file system)');
  const offer = page.getByTestId('resume-offer');
  await expect(offer).toBeVisible();
  await expect(offer).toContainText('interrupted during DP teacher (DP-SGD)');
  // The documents DP training uses (the N of the guarantee), not all the files' documents.
  await expect(offer).toContainText('on 50 training documents (57 with validation and test)');
  await screenshot(page.getByTestId('saved-runs'), 'resume');
  const restoredEps = Number((await offer.textContent())?.match(/ε spent so far ([\d.]+)/)?.[1]);
  expect(restoredEps).toBeGreaterThan(0);
  await page.getByTestId('resume-saved').focus();
  await page.keyboard.press('Enter');
  await expectRunStatus(page, 'running');
  await expect(page.getByTestId('step-resumed')).toBeVisible();

  // Let it train well past where it was, so a restart from step 1 would have replaced the old points.
  await expect
    .poll(async () => maxStep(await teacherRows(page)), { timeout: 120_000 })
    .toBeGreaterThan(snapshotStep + 8);
  const after = await teacherRows(page);
  const byStep = new Map(after.map((r) => [r.step, r]));
  // The points saved with the checkpoint (checkpoints every 2 steps; allow the newest few to be redone).
  const kept = before.filter((r) => r.step <= snapshotStep - 3);
  expect(kept.length).toBeGreaterThan(5);
  for (const r of kept) {
    expect(byStep.get(r.step), `step ${r.step} after resume`).toEqual(r);
  }
  // Epsilon never resets or goes down.
  const ordered = [...after].sort((a, b) => a.step - b.step);
  expect(ordered[0].step).toBe(1);
  for (let i = 1; i < ordered.length; i++) {
    expect(Number(ordered[i].epsilon)).toBeGreaterThanOrEqual(Number(ordered[i - 1].epsilon));
  }
  expect(Number(ordered.at(-1)?.epsilon)).toBeGreaterThanOrEqual(restoredEps - 1e-3);

  // Pause and resume with the keyboard: Tab from Run reaches Pause, then Resume.
  await page.getByTestId('start-run').focus();
  await tabToAndPress(page, page.getByTestId('pause-run'));
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'paused', { timeout: 60_000 });
  const paused = maxStep(await teacherRows(page));
  await tabToAndPress(page, page.getByTestId('resume-run'));
  await expectRunStatus(page, 'running');
  await expect
    .poll(async () => maxStep(await teacherRows(page)), { timeout: 120_000 })
    .toBeGreaterThan(paused);

  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', {
    timeout: 400_000,
  });
  const final = await teacherRows(page);
  expect(maxStep(final)).toBe(STEPS);
  // The page tells one story about the run that finished: no banner pointing elsewhere, the Data
  // panel names the run's stored documents, the budget form shows the run's epochs.
  await expect(page.getByTestId('saved-runs')).toHaveCount(0);
  await expect(page.getByTestId('data-status')).toContainText(
    '50 training documents (57 with validation and test) stored in this browser',
  );
  await expect(page.getByTestId('epochs-input')).toHaveValue(EPOCHS);
  // Export with the keyboard: the report's DP-SGD phase has every step, epsilon within the target.
  await page.getByTestId('export-student').focus();
  const report = JSON.parse(
    (await download(page, page.getByTestId('export-report'), true)).bytes.toString('utf8'),
  ) as { steps: number; epsilon: number };
  expect(report.steps).toBe(STEPS);
  expect(report.epsilon).toBeLessThanOrEqual(2);
  expect(report.epsilon).toBeCloseTo(Number(final.find((r) => r.step === STEPS)?.epsilon), 6);
});

test('cancel (keyboard) stops the run and deletes it: no resume offer after a reload', async ({ page }) => {
  test.setTimeout(300_000);
  await prepare(page);
  await page.getByTestId('start-run').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('run-status')).toContainText('last checkpoint: DP teacher (DP-SGD)', {
    timeout: 120_000,
  });
  await page.getByTestId('start-run').focus();
  await tabToAndPress(page, page.getByTestId('cancel-run'));
  // Asked first; the focus starts on the safe answer, Tab reaches the other.
  await expect(page.getByTestId('confirm-no')).toBeFocused();
  await tabToAndPress(page, page.getByTestId('confirm-yes'), 3);
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'cancelled', {
    timeout: 60_000,
  });
  await page.reload();
  await waitForApp(page);
  // The saved runs were listed (storage info shown) and none is offered.
  await expect(page.getByTestId('storage-info')).toContainText('origin private file system');
  await expect(page.getByTestId('resume-offer')).toHaveCount(0);
  // The privacy ledger still counts the cancelled run: the same documents again need a confirmation.
  await prepare(page);
  await expect(page.getByTestId('ledger')).toHaveAttribute('data-prior-runs', '1');
  await expect(page.getByTestId('ledger-prior')).toContainText('ε = ');
  await expect(page.getByTestId('start-run')).toBeDisabled();
  await page.getByTestId('confirm-spend').check();
  await expect(page.getByTestId('start-run')).toBeEnabled();
});

test('the IndexedDB fallback keeps the run across a reload too', async ({ page }) => {
  test.setTimeout(300_000);
  await prepare(page, '&storage=indexeddb');
  await expect(page.getByTestId('storage-info')).toContainText('(IndexedDB)');
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('run-status')).toContainText('last checkpoint: DP teacher (DP-SGD)', {
    timeout: 120_000,
  });
  await expect
    .poll(async () => maxStep(await teacherRows(page)), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(8);
  const before = await teacherRows(page);
  await page.reload();
  await waitForApp(page);
  await expect(page.getByTestId('storage-info')).toContainText('(IndexedDB)');
  await page.getByTestId('resume-saved').click();
  await expect(page.getByTestId('step-resumed')).toBeVisible();
  await expect
    .poll(async () => maxStep(await teacherRows(page)), { timeout: 120_000 })
    .toBeGreaterThan(maxStep(before) + 4);
  const byStep = new Map((await teacherRows(page)).map((r) => [r.step, r]));
  for (const r of before.filter((b) => b.step <= maxStep(before) - 3)) expect(byStep.get(r.step)).toEqual(r);
  await page.getByTestId('cancel-run').click();
  await page.getByTestId('confirm-yes').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'cancelled', {
    timeout: 60_000,
  });
  // Nothing of the run is left in IndexedDB.
  const keys = await page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('distildp-storage');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('files').objectStore('files').getAllKeys();
          req.onsuccess = () => resolve(req.result.map(String));
          req.onerror = () => reject(req.error);
        };
      }),
  );
  expect(keys.filter((k) => k.startsWith('runs/'))).toEqual([]);
});
