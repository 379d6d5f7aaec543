// Walk from the home page to one organization of the demo task force, checking each page
// for WCAG 2.1 A/AA violations on the way.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchBrowser, checkA11y, dumpPage, demoUsers, demoPassword, signIn } from './harness.mjs';

let demo;
let browser;
let page;

before(async () => {
  demo = await startDemo();
  browser = await launchBrowser();
  page = await browser.newPage();
  page.setDefaultTimeout(10_000);
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

/** Click a link and wait until the browser is on another URL and the page has loaded. */
async function follow(link) {
  const from = page.url();
  await link.click();
  await page.waitForURL((url) => url.href !== from);
  await page.waitForLoadState('load');
}

/** Run one step of the walk; a failure names the step and saves the page for inspection. */
async function step(name, fn) {
  try {
    await fn();
  } catch (err) {
    const url = page.url();
    const saved = await dumpPage(page, `navigation-${name}`);
    const where = saved ? `\n(page saved to ${saved}.html and .png)` : '';
    throw new Error(`step "${name}" at ${url}: ${err.message}${where}`, { cause: err });
  }
}

test('home -> task force -> organizations -> organization', { timeout: 120_000 }, async () => {
  await step('sign in', async () => {
    const coordinator = demoUsers(demo)['Western New York Human Trafficking Task Force']['Coordinator'];
    assert.ok(coordinator, 'the demo printed a coordinator for Western New York');
    await signIn(page, demo.baseUrl, coordinator, demoPassword(demo));
  });

  await step('home page', async () => {
    const response = await page.goto(`${demo.baseUrl}/`);
    assert.equal(response?.status(), 200, `GET / answered ${response?.status()}`);
    await page.locator('h1').first().waitFor();
    await checkA11y(page);
  });

  await step('task force page', async () => {
    const link = page.getByRole('link', { name: /Western New York/ }).first();
    await link.waitFor();
    await follow(link);
    await page.locator('h1', { hasText: 'Western New York' }).first().waitFor();
    await checkA11y(page);
  });

  await step('organizations list', async () => {
    await follow(page.getByRole('link', { name: 'Organizations', exact: true }).first());
    await page.locator('main table tbody a').first().waitFor();
    await checkA11y(page);
  });

  await step('organization page', async () => {
    await follow(page.locator('main table tbody a').first());
    await page.locator('h1').first().waitFor();
    const kind = page.locator('dl dt').filter({ hasText: /^\s*Kind\s*$/ });
    await kind.first().waitFor();
    assert.ok((await kind.count()) >= 1, 'expected a <dt>Kind</dt> in a <dl>');
    await checkA11y(page);
  });
});
