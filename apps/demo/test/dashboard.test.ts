import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mustRun, redisBackend, sqliteBackend, type TestBackend } from './support/services.js';
import { startApp, type RunningApp } from './support/test-app.js';

// Debian's chromium (`apt-get install -y chromium`), driven by playwright-core: no browser is
// ever downloaded. In CI a missing chromium fails these tests instead of skipping them.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
/** The screenshot the README shows, rewritten by every run on the default backend. */
const SCREENSHOT = fileURLToPath(new URL('../docs/dashboard.png', import.meta.url));

const backends: TestBackend[] = [sqliteBackend(), await redisBackend()];

/** Waits for what the page shows, generously: a loaded CI machine renders late, never wrongly. */
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000 });

describe.each(backends)('the dashboard on $name', (backend) => {
  const run = mustRun(backend.available) && (hasChromium || Boolean(process.env.CI));
  let running: RunningApp;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!run) return;
    if (!hasChromium) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    running = await startApp(await backend.setUp());
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(running.baseUrl);
    // Evaluated in the page: the dashboard has loaded the app's info.
    await page.waitForFunction("document.querySelector('#backend-info').textContent.startsWith('Results in')");
  });
  afterAll(async () => {
    if (!run) return;
    await browser?.close();
    await running?.app.close();
    await backend.tearDown();
  });

  /** Fills the form as a user does (keyboard and mouse) and submits it. */
  const submit = async (kind: string, fields: Record<string, number>) => {
    await page.selectOption('#kind', kind);
    for (const [name, value] of Object.entries(fields)) await page.fill(`#${name}`, String(value));
    const before = await page.locator('tbody tr').count();
    await page.click('button[type="submit"]');
    await poll(() => page.locator('tbody tr').count()).toBe(before + 1);
    // The newest job is the first row.
    return page.locator('tbody tr').first();
  };

  it.skipIf(!run)('a submitted job changes state live until SUCCESS, with its progress on the way', async () => {
    const row = await submit('countdown', { steps: 6, delayMs: 300 });
    // Seen at one moment: the PROGRESS state and its progress bar.
    await poll(async () => (await row.getAttribute('data-state')) === 'PROGRESS' && (await row.locator('progress').count()) === 1).toBe(true);
    await poll(() => row.getAttribute('data-state')).toBe('SUCCESS');
    expect(await row.locator('output').textContent()).toBe('"counted 6 steps"');
    expect(await row.locator('td').nth(2).textContent()).toMatch(/^\d+(\.\d+)? (ms|s)$/);
    // Said aloud to screen readers: the live region names the job and its new state.
    await poll(() => page.textContent('#announcer')).toBe('countdown(6 × 300 ms): SUCCESS');
  });

  it.skipIf(!run)('a failing job shows its exception, and its traceback opens from the keyboard', async () => {
    const row = await submit('divide', { a: 1, b: 0 });
    await poll(() => row.getAttribute('data-state')).toBe('FAILURE');
    const summary = row.locator('summary');
    expect(await summary.textContent()).toBe('ZeroDivisionError: cannot divide 1 by zero');
    expect(await row.locator('pre').isVisible()).toBe(false);
    await summary.focus();
    await page.keyboard.press('Enter');
    expect(await row.locator('pre').isVisible()).toBe(true);
    expect(await row.locator('pre').textContent()).toContain('at divide');
  });

  it.skipIf(!run)('a group shows each part and completes with the joined values', async () => {
    const row = await submit('squares', { n: 8 });
    await poll(() => row.getAttribute('data-state')).toBe('SUCCESS');
    expect(await row.locator('li.part.state-SUCCESS').count()).toBe(8);
    expect(await row.locator('output').textContent()).toBe('[0,1,4,9,16,25,36,49]');
    expect(await row.locator('.parts-label').first().textContent()).toBe('group: 8 of 8 parts done');
  });

  it.skipIf(!run)('a chord completes with its body where the backend has chords', async (context) => {
    if (!running.app.backend.capabilities.chords) return context.skip('this backend has no chords');
    const row = await submit('sum-of-squares', { n: 6 });
    await poll(() => row.getAttribute('data-state')).toBe('SUCCESS');
    expect(await row.locator('output').textContent()).toBe('55');
    expect(await row.locator('li.part.state-SUCCESS').count()).toBe(6);
  });

  it.skipIf(!run)('a chord cannot be chosen where the backend has none', async (context) => {
    if (running.app.backend.capabilities.chords) return context.skip('this backend has chords');
    const option = page.locator('#kind option[value="sum-of-squares"]');
    expect(await option.isDisabled()).toBe(true);
    expect(await option.textContent()).toContain(`(not on ${running.app.backend.adapter.name})`);
  });

  it.skipIf(!run)('the state filter shows only the jobs in that state', async () => {
    await page.selectOption('#state-filter', 'FAILURE');
    await poll(() => page.locator('tbody tr').count()).toBe(1);
    expect(await page.locator('tbody tr').first().getAttribute('data-state')).toBe('FAILURE');
    await page.selectOption('#state-filter', '');
    await poll(() => page.locator('tbody tr').count()).toBeGreaterThanOrEqual(3);
  });

  it.skipIf(!run)('the throughput chart counts the results, and the page logged no error', async () => {
    await poll(() => page.textContent('#throughput-summary')).toMatch(/: [1-9]\d* succeeded \(green\), [1-9]\d* failed \(red\)\.$/);
    expect(await page.locator('#throughput-chart rect').count()).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  });

  it.skipIf(!run)('a submission the server refuses shows the server\'s message', async () => {
    // The browser's own validation is bypassed so that the server's answer is what shows.
    await page.selectOption('#kind', 'squares');
    await page.$eval('#submit-form', (form) => form.setAttribute('novalidate', ''));
    await page.fill('#n', '5000');
    await page.click('button[type="submit"]');
    await poll(() => page.textContent('#submit-error')).toBe('Invalid body: body/n must be <= 50');
    await page.$eval('#submit-form', (form) => form.removeAttribute('novalidate'));
    await page.fill('#n', '8');
  });

  it.skipIf(!run || backend.name !== 'sqlite')('writes the screenshot the README shows', async () => {
    // One more of each kind, so the picture shows a bit of everything, with the traceback open.
    await submit('divide', { a: 22, b: 7 });
    const row = await submit('squares', { n: 12 });
    await poll(() => row.getAttribute('data-state')).toBe('SUCCESS');
    await page.$eval('tbody tr[data-state="FAILURE"] details', (details) => details.setAttribute('open', ''));
    await page.waitForTimeout(1100); // the chart redraws every second
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
