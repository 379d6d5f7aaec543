// Follow a tip from the public form (no sign-in, English and Spanish) to its receipt code, an
// addition made with that code, and the triage queue of the organization it was routed to:
// assign and screen it, as the members who do that work. Every page is checked with axe.

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

/** A fresh browser context (its own cookies) with one page. */
async function freshPage() {
  const context = await browser.newContext();
  const p = await context.newPage();
  p.setDefaultTimeout(10_000);
  return p;
}

async function step(name, fn) {
  try {
    await fn();
  } catch (err) {
    const url = page?.url();
    const saved = page ? await dumpPage(page, `intake-${name}`) : null;
    const where = saved ? `\n(page saved to ${saved}.html and .png)` : '';
    throw new Error(`step "${name}" at ${url}: ${err.message}${where}`, { cause: err });
  }
}

test('public form -> receipt -> addition -> triage (assign, screening)', { timeout: 180_000 }, async () => {
  const users = demoUsers(demo)[TASK_FORCE];
  assert.ok(users, `the demo printed the members of ${TASK_FORCE}`);
  const password = demoPassword(demo);
  const narrative = `Farm workers are locked in a trailer at night (browser test ${Date.now()}).`;
  let organization;
  let code;
  let tfUrl;
  let investigatorSecret;

  await step('the investigator acts for their agency', async () => {
    page = await freshPage();
    investigatorSecret = await signIn(page, demo.baseUrl, users['Investigator'], password);
    const bar = await page.locator('.account-bar span').first().textContent();
    organization = bar.split('·').pop().trim();
    assert.ok(organization, 'the header names the organization');
    await page.context().close();
  });

  await step('the coordinator routes public tips to that agency', async () => {
    page = await freshPage();
    await signIn(page, demo.baseUrl, users['Coordinator'], password);
    await page.goto(`${demo.baseUrl}/`);
    await page.getByRole('link', { name: TASK_FORCE }).first().click();
    await page.waitForLoadState('load');
    tfUrl = page.url().replace(/\/$/, '');
    await page.goto(`${tfUrl}/screening-instrument`);
    await page.locator('h1', { hasText: 'Screening instrument' }).waitFor();
    await checkA11y(page);
    await page.getByLabel('Organization public tips are routed to').selectOption({ label: organization });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').textContent(), new RegExp(`go here now: ${organization.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await page.context().close();
  });

  await step('the public form, in Spanish and English, without signing in', async () => {
    page = await freshPage();
    await page.goto(`${demo.baseUrl}/tip?lang=es`);
    await checkA11y(page);
    await page.getByRole('link', { name: TASK_FORCE }).click();
    await page.waitForLoadState('load');
    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    await checkA11y(page);
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForLoadState('load');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await checkA11y(page);
    await page.getByLabel('What is happening?').fill(narrative);
    await page.getByLabel('Where is it happening?').fill('Gravel road north of town');
    await page.getByLabel('What kind of situation does it seem to be?').selectOption('labor');
    // A person takes more than a few seconds; a script that answers at once is refused.
    await page.waitForTimeout(3_500);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForLoadState('load');
    code = (await page.locator('#receipt-code').textContent()).trim();
    assert.match(code, /^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    await checkA11y(page);
  });

  await step('the receipt code adds information, showing nothing back', async () => {
    await page.getByRole('link', { name: /Add information/ }).click();
    await page.waitForLoadState('load');
    await checkA11y(page);
    await page.getByLabel('Receipt code').fill(code);
    await page.getByLabel('What would you like to add?').fill('A white pickup takes them to the fields at 5 a.m.');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.waitForLoadState('load');
    const text = await page.locator('main').textContent();
    assert.match(text, /received/);
    assert.ok(!text.includes('locked in a trailer'), 'the earlier text is never shown back');
    await checkA11y(page);
    await page.context().close();
  });

  await step('the investigator finds it in the triage queue and assigns it', async () => {
    page = await freshPage();
    await signIn(page, demo.baseUrl, users['Investigator'], password, investigatorSecret);
    await page.goto(`${tfUrl}/tips?all=1`);
    await page.locator('h1').waitFor();
    await checkA11y(page);
    // The newest tip routed here is the one just sent.
    await page.locator('main table tbody a').first().click();
    await page.waitForLoadState('load');
    await page.locator('#tip-narrative', { hasText: 'locked in a trailer' }).waitFor();
    assert.match(await page.locator('main').textContent(), /white pickup/);
    await checkA11y(page);
    const me = (await page.locator('.account-bar span').first().textContent()).split('·')[0].trim();
    await page.getByLabel('Assign to').selectOption({ label: me });
    await page.getByRole('button', { name: 'Assign' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').textContent(), /In review/);
  });

  await step('a screening suggests next steps and never decides', async () => {
    await page.getByRole('link', { name: 'Record a screening' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').textContent(), /never decides/);
    await checkA11y(page);
    for (const q of ['q07', 'q08', 'q09', 'q04']) {
      await page.locator(`input[name="answer.${q}"][value="yes"]`).check();
    }
    await page.locator('input[name="answer.q10"][value="no"]').check();
    await page.getByRole('button', { name: 'Score the screening' }).click();
    await page.waitForLoadState('load');
    const text = await page.locator('main').textContent();
    assert.match(text, /Indicators of labor trafficking are at or above the threshold/);
    assert.match(text, /consider a referral to a victim service provider/);
    await checkA11y(page);
    await page.getByRole('link', { name: 'Back to the tip' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').textContent(), /labor trafficking indicators 9/);
  });
});
