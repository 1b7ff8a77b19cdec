/**
 * Dark mode follows the system setting (prefers-color-scheme): the page, the panels and the charts'
 * grid take the dark colours, and text stays readable (contrast checked on the computed colours).
 */
import { dropFiles, expect, labelledJsonl, screenshot, test, waitForApp } from './helpers';

test.use({ colorScheme: 'dark' });

/** WCAG relative luminance of an `rgb(r, g, b)` string. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};

test('dark mode follows the system setting, with readable contrast', async ({ page }) => {
  await page.goto('/?backend=wasm&models=tiny');
  await waitForApp(page);
  await dropFiles(page.getByTestId('dropzone'), { 'private.jsonl': labelledJsonl(40) });
  await expect(page.getByTestId('plan-steps')).toHaveText(/^\d+$/);
  const colors = await page.evaluate(() => {
    const style = (el: Element) => getComputedStyle(el);
    const panel = document.querySelector('#budget')!;
    const hint = document.querySelector('#budget .hint')!;
    return {
      page: style(document.querySelector('.app')!.parentElement!).backgroundColor,
      root: style(document.documentElement).backgroundColor,
      panel: style(panel).backgroundColor,
      text: style(panel).color,
      muted: style(hint).color,
      scheme: style(document.documentElement).colorScheme,
    };
  });
  expect(colors.scheme).toBe('dark');
  expect(luminance(colors.panel)).toBeLessThan(0.05);
  expect(contrast(colors.text, colors.panel)).toBeGreaterThan(7);
  expect(contrast(colors.muted, colors.panel)).toBeGreaterThan(4.5);
  await screenshot(page.locator('#budget'), 'budget-dark');
});
