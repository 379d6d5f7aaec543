// Follow a tip from the public form (no sign-in, English and Spanish) to its receipt code, an
// addition made with that code, and the triage queue of the organization it was routed to:
// assign and screen it, open an investigation from it, and link that investigation to a
// provider's service case and a prosecution with charges, each as the member who does that work,
// each seeing only what they may. Every page is checked with axe.

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

/** A member of the task force (by role) signed in in a browser context of their own. */
async function member(rolePattern) {
  const users = demoUsers(demo)[TASK_FORCE];
  const role = Object.keys(users).find((r) => rolePattern.test(r));
  assert.ok(role, `the demo printed a ${rolePattern} for ${TASK_FORCE}`);
  const p = await freshPage();
  await signIn(p, demo.baseUrl, users[role], demoPassword(demo));
  const bar = (await p.locator('.account-bar span').first().textContent()).trim();
  return { page: p, organization: bar.split(' · ').slice(1).join(' · ') };
}

async function submit(p, button) {
  await Promise.all([p.waitForLoadState('load'), p.getByRole('button', { name: button }).click()]);
  await p.waitForLoadState('load');
}

/** Opens a case from /cases/new; returns its reference. */
async function openCase(p, kind, title, type) {
  await p.goto(`${demo.baseUrl}/cases/new`);
  await checkA11y(p);
  await p.getByLabel('Kind of case').selectOption({ label: kind });
  await p.getByLabel('Title').fill(title);
  await p.getByLabel('Type of trafficking').selectOption({ label: type });
  await submit(p, 'Create');
  await p.waitForURL(/\/cases\/[0-9a-f-]+\?saved=1/);
  return (await p.locator('h1').textContent()).trim().split(' · ')[0];
}

/** Follows a case page's link to one of its part forms, fills it and saves it. */
async function addPart(p, linkName, fill) {
  await p.getByRole('link', { name: linkName, exact: true }).click();
  await p.waitForLoadState('load');
  await checkA11y(p);
  await fill();
  await submit(p, 'Save');
  assert.match(p.url(), /\?saved=1/, `${linkName} was saved`);
}

test('public form -> receipt -> addition -> triage -> screening -> linked investigation, service case and prosecution', { timeout: 300_000 }, async () => {
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
  let investigation;
  let prosecution;
  const advocate = await member(/^Advocate/);
  const prosecutor = await member(/^Prosecutor/);
  const investigatorOrg = (await page.locator('.account-bar span').first().textContent()).split(' · ').slice(1).join(' · ').trim();

  await step('the investigator opens an investigation from the tip', async () => {
    await page.getByRole('button', { name: 'Open a case from this tip' }).click();
    await page.waitForLoadState('load');
    await page.waitForURL(/\/cases\/[0-9a-f-]+$/);
    investigation = (await page.locator('h1').textContent()).trim().split(' · ')[0];
    assert.match(investigation, /^INV-\d{4}-\d{4}$/);
    await checkA11y(page);
    await addPart(page, 'Add a person', async () => {
      await page.getByLabel('Part in this case').selectOption({ label: 'Suspect' });
      await page.getByLabel('Given name').fill('Victor');
      await page.getByLabel('Family name').fill('Marchetti');
    });
    // The provider coordinates with the agency: it may link its case, never read this one.
    await addPart(page, 'Add to the team', async () => {
      await page.getByLabel('Organization').selectOption({ label: advocate.organization });
    });
  });

  await step('the prosecutor charges the suspect', async () => {
    const p = prosecutor.page;
    prosecution = await openCase(p, 'Prosecution', 'State v. Marchetti', 'Labor trafficking');
    await addPart(p, 'Add a person', async () => {
      await p.getByLabel('Part in this case').selectOption({ label: 'Suspect' });
      await p.getByLabel('Given name').fill('Victor');
      await p.getByLabel('Family name').fill('Marchetti');
    });
    await addPart(p, 'Add a charge', async () => {
      await p.getByLabel('Defendant').selectOption({ label: 'Victor Marchetti' });
      await p.getByLabel('Statute').selectOption({ label: '18 U.S.C. 1589 — Forced labor' });
      await p.getByLabel('Counts').fill('2');
    });
    await p.locator('table', { hasText: '18 U.S.C. 1589' }).waitFor();
    await addPart(p, 'Add to the team', async () => {
      await p.getByLabel('Organization').selectOption({ label: investigatorOrg });
    });
    await checkA11y(p);
  });

  await step('the investigator links the prosecution', async () => {
    await addPart(page, 'Link another case', async () => {
      await page.getByLabel('Reference of the other case').fill(prosecution);
    });
    await page.getByRole('link', { name: new RegExp(`${prosecution} · State v. Marchetti`) }).waitFor();
  });

  await step('the advocate opens a service case and links it', async () => {
    const p = advocate.page;
    await openCase(p, 'Service case', 'Housing and safety plan', 'Labor trafficking');
    await addPart(p, 'Add a person', async () => {
      await p.getByLabel('Part in this case').selectOption({ label: 'Survivor / person who was trafficked' });
      await p.getByLabel('Given name').fill('Rosa');
      await p.getByLabel('Identification (for a survivor)').selectOption({ label: 'Possible victim of trafficking' });
    });
    await addPart(p, 'Add a note', async () => {
      await p.getByRole('textbox', { name: /^Note/ }).fill('Prefers Spanish; needs a safe place to stay near her children.');
    });
    await addPart(p, 'Link another case', async () => {
      await p.getByLabel('Reference of the other case').fill(investigation);
    });
    // The provider sees that the link exists, never the investigation.
    await p.getByText(/A linked case you may not open \(Law-enforcement sensitive/).waitFor();
    assert.equal(await p.getByText('locked in a trailer').count(), 0);
    await checkA11y(p);
  });

  await step('the investigation shows the whole picture, and nothing it may not', async () => {
    await page.reload();
    await page.getByRole('link', { name: new RegExp(`${prosecution} · State v. Marchetti`) }).waitFor();
    await page.getByText(/A linked case you may not open \(Victim-confidential/).waitFor();
    assert.equal(await page.getByText('safe place to stay').count(), 0, "the advocate's note stays hidden");
    await checkA11y(page);
    await page.goto(`${demo.baseUrl}/search?q=marchetti`);
    await page.locator('.results mark').first().waitFor();
    await checkA11y(page);
  });
});
