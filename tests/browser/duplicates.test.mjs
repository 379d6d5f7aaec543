// Possible duplicates and the unduplicated victim count in the demo: the investigator looks for
// possible duplicates among the records their agency may read, reads a pair's explanation,
// merges it and undoes the merge; the coordinator reads the unduplicated victim count (no
// names, small cells suppressed). Every page is checked with axe.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchBrowser, checkA11y, dumpPage, demoUsers, demoPassword, signIn, trackErrors } from './harness.mjs';

const TASK_FORCE = 'North Dakota Human Trafficking Task Force';

let demo;
let browser;
let page;

before(async () => {
  demo = await startDemo();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function step(name, fn) {
  try {
    await fn();
  } catch (err) {
    const url = page?.url();
    const saved = page ? await dumpPage(page, `duplicates-${name}`) : null;
    const where = saved ? `\n(page saved to ${saved}.html and .png)` : '';
    throw new Error(`step "${name}" at ${url}: ${err.message}${where}`, { cause: err });
  }
}

async function signInAs(role) {
  const context = await browser.newContext();
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const email = demoUsers(demo)[TASK_FORCE][role];
  assert.ok(email, `the demo printed a ${role} for ${TASK_FORCE}`);
  await signIn(page, demo.baseUrl, email, demoPassword(demo));
}

async function openTaskForce() {
  await page.goto(`${demo.baseUrl}/`);
  await page.getByRole('link', { name: /North Dakota/ }).first().click();
  await page.getByRole('heading', { name: TASK_FORCE, level: 1 }).waitFor();
}

test('an investigator reviews, merges and unmerges a possible duplicate', async () => {
  await step('sign in', () => signInAs('Investigator'));
  const errors = trackErrors(page);

  await step('the list', async () => {
    await openTaskForce();
    await page.getByRole('link', { name: 'Possible duplicates to review' }).click();
    await page.getByRole('heading', { name: 'Possible duplicates', level: 1 }).waitFor();
    await Promise.all([page.waitForURL(/compared=/), page.getByRole('button', { name: 'Look for possible duplicates now' }).click()]);
    await page.locator('main table tbody tr', { hasText: 'Shevchenko' }).first().waitFor();
    await checkA11y(page);
  });

  await step('a pair explained', async () => {
    await page.locator('main table tbody tr', { hasText: 'Shevchenko' }).first().getByRole('link', { name: /To review/ }).click();
    await page.getByRole('heading', { name: 'Why they may be the same person' }).waitFor();
    await page.getByRole('cell', { name: /nickname or transliteration/ }).first().waitFor();
    await checkA11y(page);
  });

  await step('merge', async () => {
    await page.getByLabel('Oleksandr Shevchenko').check();
    await Promise.all([page.waitForURL(/saved=1/), page.getByRole('button', { name: 'Merge the two records' }).click()]);
    await page.getByText(/is merged into Oleksandr Shevchenko/).waitFor();
    await checkA11y(page);
  });

  await step('unmerge', async () => {
    await Promise.all([page.waitForURL(/saved=1/), page.getByRole('button', { name: 'Undo the merge' }).click()]);
    await page.getByRole('button', { name: 'Merge the two records' }).waitFor();
    assert.equal(await page.getByText(/is merged into/).count(), 0);
    await checkA11y(page);
  });
  errors.assertNone();
});

test('the coordinator reads the unduplicated victim count', async () => {
  await step('sign in', () => signInAs('Coordinator'));
  await step('the count', async () => {
    await openTaskForce();
    await page.getByRole('link', { name: 'Unduplicated victim count' }).click();
    await page.getByRole('heading', { name: 'Unduplicated victim count', level: 1 }).waitFor();
    await page.getByRole('rowheader', { name: 'People counted within their victim service provider only' }).waitFor();
    assert.equal(await page.getByText('Shevchenko').count(), 0, 'no names');
    await page.getByRole('link', { name: 'Download as CSV' }).waitFor();
    await checkA11y(page);
  });
});
