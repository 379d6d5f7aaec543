// The threat assessment as a coordinator uses it: from the task force to the county map, pick an
// industry, open a county's explanation, make an outreach plan from it and record an activity.
// Every page is checked for WCAG 2.1 A/AA violations; the map draws under the CSP nonce.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchBrowser, checkA11y, dumpPage, demoUsers, demoPassword, signIn, trackErrors } from './harness.mjs';

let demo;
let browser;
let page;

before(async () => {
  demo = await startDemo();
  browser = await launchBrowser();
  page = await browser.newPage();
  page.setDefaultTimeout(15_000);
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function step(name, fn) {
  try {
    await fn();
  } catch (err) {
    const saved = await dumpPage(page, `threat-${name}`);
    const where = saved ? `\n(page saved to ${saved}.html and .png)` : '';
    throw new Error(`step "${name}" at ${page.url()}: ${err.message}${where}`, { cause: err });
  }
}

test('map -> industry -> a county explanation -> an outreach plan', { timeout: 180_000 }, async () => {
  const errors = trackErrors(page);
  await step('sign in', async () => {
    const coordinator = demoUsers(demo)['Western New York Human Trafficking Task Force']['Coordinator'];
    assert.ok(coordinator, 'the demo printed a coordinator for Western New York');
    await signIn(page, demo.baseUrl, coordinator, demoPassword(demo));
  });

  await step('the map', async () => {
    await page.goto(`${demo.baseUrl}/`);
    await page.getByRole('link', { name: /Western New York/ }).first().click();
    await page.getByRole('link', { name: /Threat assessment: vulnerable industries/ }).click();
    await page.getByRole('heading', { name: 'Threat assessment', level: 1 }).waitFor();
    // The map draws the task force's 17 counties as shaded polygons.
    await page.locator('#threat-map[data-loaded="17"]').waitFor();
    assert.ok((await page.locator('#threat-map path.leaflet-interactive').count()) >= 17);
    await checkA11y(page);
  });

  await step('pick an industry', async () => {
    await page.getByLabel('Industry').selectOption('112120');
    await Promise.all([page.waitForURL(/industry=112120/), page.getByRole('button', { name: 'Show' }).click()]);
    await page.getByRole('heading', { name: /Dairy cattle and milk production: score by county/ }).waitFor();
    await page.locator('#threat-map[data-loaded="17"]').waitFor();
    // Dairy is among the top findings in the ranked table (the map's text alternative).
    const firstRows = await page.locator('main table tbody tr').evaluateAll((rows) => rows.slice(0, 3).map((r) => r.textContent));
    assert.ok(firstRows.some((t) => t.includes('Dairy cattle')), `dairy in the top three: ${firstRows.join(' | ')}`);
    await checkA11y(page);
  });

  await step('a county explanation', async () => {
    await page.locator('main table tbody tr', { hasText: 'Dairy cattle' }).first().getByRole('link').click();
    await page.getByRole('heading', { name: /^Dairy cattle and milk production in .* County, NY$/ }).waitFor();
    await page.getByRole('heading', { name: 'How the score is made' }).waitFor();
    await page.getByText('Year-round workers outside visa programs').first().waitFor();
    await checkA11y(page);
  });

  await step('an outreach plan from it', async () => {
    await page.getByRole('link', { name: 'Make an outreach plan from this finding' }).click();
    await page.getByRole('heading', { name: 'New outreach plan' }).waitFor();
    assert.match(await page.getByLabel(/Partners to engage/).inputValue(), /Dairy cooperatives/);
    await checkA11y(page);
    await page.getByRole('button', { name: 'Create the plan' }).click();
    await page.getByText('Saved.').waitFor();
    await checkA11y(page);
  });

  await step('record an activity', async () => {
    await page.getByLabel(/^Date/).fill('2026-02-03');
    await page.getByLabel(/^Kind of activity/).selectOption('training');
    await page.getByLabel('People trained').fill('9');
    await page.getByRole('button', { name: 'Record the activity' }).click();
    await page.getByText('9 trained').waitFor();
    await checkA11y(page);
  });
  errors.assertNone();
});
