// Record a service for a survivor of a provider's service case, look at their interview record,
// then schedule a case review, put an investigation on its agenda and make an action item that
// becomes a task on the case, each as the member who does that work. Every page is checked with
// axe.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchBrowser, checkA11y, dumpPage, demoUsers, demoPassword, signIn } from './harness.mjs';

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
    const saved = page ? await dumpPage(page, `services-${name}`) : null;
    const where = saved ? `\n(page saved to ${saved}.html and .png)` : '';
    throw new Error(`step "${name}" at ${url}: ${err.message}${where}`, { cause: err });
  }
}

async function member(rolePattern) {
  const users = demoUsers(demo)[TASK_FORCE];
  const role = Object.keys(users).find((r) => rolePattern.test(r));
  assert.ok(role, `the demo printed a ${rolePattern} for ${TASK_FORCE}`);
  const context = await browser.newContext();
  const p = await context.newPage();
  p.setDefaultTimeout(10_000);
  await signIn(p, demo.baseUrl, users[role], demoPassword(demo));
  return p;
}

async function submit(p, button) {
  await Promise.all([p.waitForLoadState('load'), p.getByRole('button', { name: button }).click()]);
  await p.waitForLoadState('load');
}

test('an advocate records a service; a case review makes an action item a task', async () => {
  await step('advocate opens a survivor', async () => {
    page = await member(/advocate/i);
    await page.goto(`${demo.baseUrl}/cases?kind=service_case`);
    await page.locator('table a[href^="/cases/"]').first().click();
    await page.waitForLoadState('load');
    await page.locator('a[href^="/persons/"]').first().click();
    await page.waitForLoadState('load');
    await checkA11y(page);
  });

  await step('services page', async () => {
    await page.getByRole('link', { name: 'Services and service plan' }).click();
    await page.waitForLoadState('load');
    await checkA11y(page);
    await page.locator('#field-category').selectOption({ label: 'Dental care' });
    await page.getByLabel('Started on').fill('2026-01-12');
    await page.getByLabel('Provided by').fill('Prairie dental outreach');
    await page.getByLabel('Amount spent (dollars)').fill('240');
    await submit(page, 'Record the service');
    await page.waitForURL(/\/services\?saved=1/);
    assert.match(await page.locator('main').textContent(), /Prairie dental outreach/);
    assert.match(await page.locator('main').textContent(), /\$240\.00/);
    await checkA11y(page);
  });

  await step('a refused service names its fields', async () => {
    await page.getByLabel('Started on').fill('');
    await submit(page, 'Record the service');
    assert.equal(await page.locator('.error-summary').count(), 1);
    await checkA11y(page);
    await page.goBack();
  });

  await step('interview record', async () => {
    const person = page.url().match(/\/persons\/([0-9a-f-]+)/)[1];
    await page.goto(`${demo.baseUrl}/persons/${person}/interview`);
    await page.waitForLoadState('load');
    await checkA11y(page);
  });

  await step('investigator schedules a case review', async () => {
    page = await member(/investigator/i);
    await page.goto(`${demo.baseUrl}/cases?kind=investigation`);
    const first = (await page.locator('table a[href^="/cases/"]').first().textContent()).trim();
    const reference = first.split(/\s/)[0];
    await page.goto(`${demo.baseUrl}/reviews`);
    await checkA11y(page);
    await page.getByRole('link', { name: 'Schedule a case review' }).click();
    await page.waitForLoadState('load');
    await checkA11y(page);
    await page.getByLabel('Title').fill('Browser case review');
    await page.locator('#field-held_on').fill('2026-04-02');
    await page.locator('input[name="attendees"]').first().check();
    await submit(page, 'Schedule the review');
    await page.waitForURL(/\/reviews\/[0-9a-f-]+\?saved=1/);
    await checkA11y(page);
    await page.getByLabel('Case reference').fill(reference);
    await submit(page, 'Add to the agenda');
    await page.waitForURL(/\/reviews\/[0-9a-f-]+\?saved=1/);
    assert.match(await page.locator('.agenda').textContent(), new RegExp(reference));
    await checkA11y(page);
  });

  await step('an action item becomes a task', async () => {
    await page.locator('#field-action_item').selectOption({ index: 0 });
    await page.getByLabel('What is to be done').fill('Call the shelter about a safe place to meet');
    const me = (await page.locator('.account-bar span').first().textContent()).trim().split(' · ')[0];
    await page.getByLabel('Assigned to').selectOption({ label: me });
    await submit(page, 'Add the action item');
    await page.waitForURL(/\/reviews\/[0-9a-f-]+\?saved=1/);
    assert.match(await page.locator('.agenda').textContent(), /Call the shelter about a safe place to meet/);
    await checkA11y(page);
    await page.locator('.agenda a[href^="/cases/"]').first().click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').textContent(), /Call the shelter about a safe place to meet/);
  });
});
