import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from '../helpers/shared.js';
import { ensureBuilt, FIXTURES, runCli, tempDir, writeStubConfig } from './helpers.js';

/** Debian's chromium package (`.ci/run` installs it when missing); playwright-core drives it, no browser download. */
const CHROMIUM = process.env.PIXMUX_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const missing = skipReason(CHROMIUM === undefined ? 'chromium not found (apt-get install chromium, or set PIXMUX_CHROMIUM)' : undefined);

async function report(args: string[]): Promise<string> {
  const dir = tempDir('pixmux-cli-report-');
  writeStubConfig(dir);
  cpSync(FIXTURES, join(dir, 'in'), { recursive: true, filter: (path) => !path.endsWith('.md') });
  const run = await runCli(['remove-bg', 'in', '-o', 'out', '--report', 'report.html', ...args], { cwd: dir });
  expect(run.code === 0 || run.code === 1, run.stderr).toBe(true);
  return join(dir, 'report.html');
}

/** What the page shows, read from the rendered DOM. */
async function shown(page: Page) {
  return page.evaluate(() => {
    const text = (element: Element | null) => element?.textContent?.trim() ?? '';
    const rows = [...document.querySelectorAll('#items tbody tr')].map((row) => ({
      input: text(row.querySelector('.input')),
      provider: text(row.querySelector('.provider')),
      why: text(row.querySelector('.why')),
      status: text(row.querySelector('.status')),
      images: [...row.querySelectorAll('img')].map((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0),
    }));
    const providers = [...document.querySelectorAll('#providers tbody tr')].map((row) => [...row.querySelectorAll('td')].map((cell) => text(cell)));
    const failures = [...document.querySelectorAll('#failures li')].map((item) => text(item));
    return { totals: text(document.querySelector('#totals')), rows, providers, failures };
  });
}

describe.skipIf(missing)('--report, opened in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    ensureBuilt();
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('shows every item with before/after thumbnails, who served it and why (a fallback), and cost per provider', async () => {
    const path = await report(['--provider', 'picky', '--provider', 'stub']);
    const page = await browser.newPage();
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    const view = await shown(page);
    expect(view.totals).toMatch(/^5 succeeded, 0 failed, 0 skipped/);
    expect(view.rows).toHaveLength(5);
    expect(view.rows.every((row) => row.status === 'ok' && row.images.length === 2 && row.images.every(Boolean))).toBe(true);
    const rocket = view.rows.find((row) => row.input === 'in/skimage_rocket.jpg');
    expect(rocket).toMatchObject({ provider: 'stub', why: 'picky failed (provider_unavailable: picky refuses JPEG) → fallback' });
    expect(view.rows.filter((row) => row.provider === 'picky').every((row) => row.why === 'first choice')).toBe(true);
    expect(view.providers).toEqual([
      ['picky', '4', '$0.0080', '1'],
      ['stub', '1', '$0.0010', '0'],
    ]);
    expect(view.failures).toEqual([]);
    // A screenshot of the page, kept beside the report for a person to look at.
    const screenshot = await page.screenshot({ fullPage: true });
    expect(screenshot.subarray(1, 4).toString()).toBe('PNG');
    writeFileSync(path.replace(/\.html$/, '.png'), screenshot);
    await page.close();
  });

  it('lists a failure with its reason, and the failed row without an after image', async () => {
    const path = await report(['--provider', 'picky']);
    expect(readFileSync(path, 'utf8')).not.toMatch(/<script/i); // a static page: nothing runs in it
    const page = await browser.newPage();
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    const view = await shown(page);
    expect(view.totals).toMatch(/^4 succeeded, 1 failed/);
    expect(view.failures).toHaveLength(1);
    expect(view.failures[0]).toContain('in/skimage_rocket.jpg');
    expect(view.failures[0]).toContain('provider_unavailable: picky refuses JPEG');
    const failed = view.rows.find((row) => row.status === 'failed');
    expect(failed).toMatchObject({ input: 'in/skimage_rocket.jpg', provider: '—', images: [true] });
    await page.close();
  });
});
