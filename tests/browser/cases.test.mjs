// An investigation linked to a service case and a prosecution with charges, each opened by the
// discipline that holds it, in its own browser session; what each may not see is marked withheld.
// Every page on the way is checked with axe-core.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchBrowser, checkA11y, dumpPage, demoUsers, demoPassword, signIn } from './harness.mjs';

const TF = 'Western New York Human Trafficking Task Force';
let demo;
let browser;

before(async () => {
  demo = await startDemo();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

/** A signed-in member in a browser context of their own. */
async function member(rolePattern) {
  const users = demoUsers(demo)[TF];
  const role = Object.keys(users).find((r) => rolePattern.test(r));
  assert.ok(role, `the demo printed a ${rolePattern} for ${TF}: ${Object.keys(users)}`);
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await signIn(page, demo.baseUrl, users[role], demoPassword(demo));
  const bar = (await page.locator('.account-bar span').first().textContent()).trim();
  const organization = bar.split(' · ').slice(1).join(' · ');
  return { page, organization };
}

async function step(page, name, fn) {
  try {
    await fn();
  } catch (err) {
    const saved = await dumpPage(page, `cases-${name}`);
    throw new Error(`step "${name}" at ${page.url()}: ${err.message}${saved ? `\n(page saved to ${saved}.html)` : ''}`, { cause: err });
  }
}

async function submit(page, button) {
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: button }).click()]);
  await page.waitForLoadState('load');
}

/** Opens a case from /cases/new; returns its reference. */
async function openCase(page, kind, title, type) {
  await page.goto(`${demo.baseUrl}/cases/new`);
  await checkA11y(page);
  await page.getByLabel('Kind of case').selectOption({ label: kind });
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Type of trafficking').selectOption({ label: type });
  await submit(page, 'Create');
  await page.waitForURL(/\/cases\/[0-9a-f-]+\?saved=1/);
  const heading = (await page.locator('h1').textContent()).trim();
  return heading.split(' · ')[0];
}

async function addPart(page, linkName, fill, button = 'Save') {
  await page.getByRole('link', { name: linkName, exact: true }).click();
  await page.waitForLoadState('load');
  await checkA11y(page);
  await fill();
  await submit(page, button);
  assert.match(page.url(), /\?saved=1/, `${linkName} was saved`);
}

test('an investigation linked to a service case and a prosecution with charges', { timeout: 240_000 }, async () => {
  const investigator = await member(/^Investigator/);
  const advocate = await member(/^Advocate/);
  const prosecutor = await member(/^Prosecutor/);
  let investigation;
  let prosecution;
  let service;

  await step(investigator.page, 'investigation', async () => {
    const page = investigator.page;
    investigation = await openCase(page, 'Investigation', 'Dairy farm labor, Wyoming County', 'Labor trafficking');
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

  await step(prosecutor.page, 'prosecution', async () => {
    const page = prosecutor.page;
    prosecution = await openCase(page, 'Prosecution', 'People v. Marchetti', 'Labor trafficking');
    await addPart(page, 'Add a person', async () => {
      await page.getByLabel('Part in this case').selectOption({ label: 'Suspect' });
      await page.getByLabel('Given name').fill('Victor');
      await page.getByLabel('Family name').fill('Marchetti');
    });
    await addPart(page, 'Add a charge', async () => {
      await page.getByLabel('Defendant').selectOption({ label: 'Victor Marchetti' });
      await page.getByLabel('Statute').selectOption({ label: '18 U.S.C. 1589 — Forced labor' });
      await page.getByLabel('Counts').fill('2');
    });
    await page.locator('table', { hasText: '18 U.S.C. 1589' }).waitFor();
    await addPart(page, 'Add to the team', async () => {
      await page.getByLabel('Organization').selectOption({ label: investigator.organization });
    });
    await checkA11y(page);
  });

  await step(investigator.page, 'link to the prosecution', async () => {
    const page = investigator.page;
    await addPart(page, 'Link another case', async () => {
      await page.getByLabel('Reference of the other case').fill(prosecution);
    });
    await page.getByRole('link', { name: new RegExp(`${prosecution} · People v. Marchetti`) }).waitFor();
  });

  await step(advocate.page, 'service case', async () => {
    const page = advocate.page;
    service = await openCase(page, 'Service case', 'Housing and safety plan', 'Labor trafficking');
    await addPart(page, 'Add a person', async () => {
      await page.getByLabel('Part in this case').selectOption({ label: 'Survivor / person who was trafficked' });
      await page.getByLabel('Given name').fill('Rosa');
      await page.getByLabel('Identification (for a survivor)').selectOption({ label: 'Possible victim of trafficking' });
    });
    await addPart(page, 'Add a note', async () => {
      await page.getByRole('textbox', { name: /^Note/ }).fill('Prefers Spanish; needs a safe place to stay near her children.');
    });
    await addPart(page, 'Link another case', async () => {
      await page.getByLabel('Reference of the other case').fill(investigation);
    });
    // The provider sees that the link exists, never the investigation.
    await page.getByText(/A linked case you may not open \(Law-enforcement sensitive/).waitFor();
    assert.equal(await page.getByText('Dairy farm labor').count(), 0);
    await checkA11y(page);
  });

  await step(investigator.page, 'the whole picture', async () => {
    const page = investigator.page;
    await page.reload();
    await page.getByRole('link', { name: new RegExp(`${prosecution} · People v. Marchetti`) }).waitFor();
    await page.getByText(/A linked case you may not open \(Victim-confidential/).waitFor();
    assert.equal(await page.getByText('safe place to stay').count(), 0, 'the advocate\'s note stays hidden');
    await checkA11y(page);
    await page.getByRole('link', { name: 'Cases', exact: true }).first().click();
    await page.waitForLoadState('load');
    await page.getByRole('link', { name: investigation }).waitFor();
    await checkA11y(page);
    await page.goto(`${demo.baseUrl}/search?q=marchetti`);
    await page.locator('.results mark').first().waitFor();
    await checkA11y(page);
  });
});
