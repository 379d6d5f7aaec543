// A referral through a region's navigator, closed loop: an advocate opens a service case for a
// survivor and records the survivor's consent to share with a partner, refers the survivor to
// the region; the region's navigator routes it to that partner (the only ones offered are those
// the consent covers); the partner accepts it and completes it with an outcome; the advocate
// sees the outcome and the history; the coordinator's statewide dashboard counts it. Every page
// is checked with axe.

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
    const saved = page ? await dumpPage(page, `referrals-${name}`) : null;
    const where = saved ? `\n(page saved to ${saved}.html and .png)` : '';
    throw new Error(`step "${name}" at ${url}: ${err.message}${where}`, { cause: err });
  }
}

/** A member of the task force (by printed role) signed in in a browser context of their own. */
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

/**
 * The survivor's consent to share identity and contact details with `organization`, recorded
 * by their advocate on the person's consent form. The one step that depends on the consent
 * pages (built on the main branch): returns false when this build has no consent form.
 */
async function recordConsent(p, personUrl, organization) {
  const reply = await p.goto(`${personUrl}/consents`);
  assert.equal(reply.status(), 200);
  await checkA11y(p);
  assert.match(await p.locator('main').textContent(), /Services never depend on consent/);
  await p.getByLabel(organization, { exact: true }).check();
  await p.getByLabel(/Identity \(name/).check();
  await p.getByLabel(/Contact details/).check();
  await p.getByLabel(/^Purpose/).fill('Referral for emergency housing');
  await p.getByLabel(/^How (it was|consent was) given/).selectOption({ index: 1 });
  await submit(p, /Record/);
  assert.doesNotMatch(await p.locator('main').textContent(), /Please check/);
  return true;
}

test('advocate refers a survivor to a region; navigator routes; partner accepts and completes; sender sees the outcome', { timeout: 300_000 }, async (t) => {
  const advocate = await member(/^Advocate/);
  const partner = await member(/^Prosecutor/);
  let personUrl;
  let referralUrl;

  await step('the advocate opens a service case for a survivor', async () => {
    page = advocate.page;
    await page.goto(`${demo.baseUrl}/cases/new`);
    await checkA11y(page);
    await page.getByLabel('Kind of case').selectOption({ label: 'Service case' });
    await page.getByLabel('Title').fill('Services for Rosa');
    await page.getByLabel('Type of trafficking').selectOption({ label: 'Labor trafficking' });
    await submit(page, 'Create');
    await page.getByRole('link', { name: 'Add a person', exact: true }).click();
    await page.waitForLoadState('load');
    await page.getByLabel('Part in this case').selectOption({ label: 'Survivor / person who was trafficked' });
    await page.getByLabel('Given name').fill('Rosa');
    await page.getByLabel('Family name').fill('Referral');
    await submit(page, 'Save');
    await page.locator('a[href^="/persons/"]', { hasText: 'Rosa' }).first().click();
    await page.waitForLoadState('load');
    personUrl = page.url().split('?')[0];
    await checkA11y(page);
  });

  // The region the demo's first navigator serves: the referral goes there.
  let region;
  let navigator;
  await step('find the navigator\'s region', async () => {
    navigator = await member(/^Navigator/);
    await navigator.page.goto(`${demo.baseUrl}/navigator`);
    region = (await navigator.page.locator('main h2').first().textContent()).trim();
    page = advocate.page;
  });

  await step('the advocate records the survivor consent to share with the partner', async () => {
    await recordConsent(page, personUrl, partner.organization);
  });

  await step('without covering consent for a kind of information, the referral is refused', async () => {
    await page.goto(personUrl);
    await page.getByRole('link', { name: 'Refer this person' }).click();
    await page.waitForLoadState('load');
    await checkA11y(page);
    await page.getByLabel('Send to').selectOption('region');
    await page.getByLabel('Region').selectOption({ label: region });
    await page.getByLabel('Emergency housing').check();
    await page.getByLabel('Urgency').selectOption('urgent');
    await page.getByLabel(/Their story/).check();
    await submit(page, 'Send the referral');
    assert.match(await page.locator('main').textContent(), /Record the survivor's consent first/);
    await checkA11y(page);
  });

  await step('the advocate refers the survivor to the region', async () => {
    await page.getByLabel(/Their story/).uncheck();
    await page.getByLabel('What the recipient should know').fill('Prefers calls in the afternoon.');
    await submit(page, 'Send the referral');
    assert.match(page.url(), /\/referrals\/[0-9a-f-]+\?sent=1/);
    referralUrl = page.url().split('?')[0];
    assert.match(await page.locator('main').textContent(), /Not routed yet/);
    await checkA11y(page);
    await page.goto(`${demo.baseUrl}/referrals?tab=outbox`);
    await checkA11y(page);
  });

  await step('the navigator routes it to a covered partner', async () => {
    // Signed in already, above.
    page = navigator.page;
    await page.goto(`${demo.baseUrl}/navigator`);
    await checkA11y(page);
    await page.goto(referralUrl);
    await checkA11y(page);
    const choice = page.getByRole('radio', { name: new RegExp(`${partner.organization.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) });
    assert.equal(await choice.isDisabled(), false, 'the consent covers the partner');
    await choice.check();
    await submit(page, 'Route to this partner');
    assert.match(await page.locator('main').textContent(), new RegExp(partner.organization.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await checkA11y(page);
  });

  await step('the partner accepts and completes it with an outcome', async () => {
    page = partner.page;
    await page.goto(`${demo.baseUrl}/referrals?tab=inbox`);
    await checkA11y(page);
    await page.locator(`a[href="${new URL(referralUrl).pathname}"]`).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').textContent(), /Rosa Referral/);
    assert.match(await page.locator('main').textContent(), /Prefers calls in the afternoon/);
    await checkA11y(page);
    await submit(page, 'Accept the referral');
    await page.getByLabel('How it ended').selectOption({ label: 'Services provided' });
    await page.getByLabel('Outcome note (optional)').fill('Placed in a shelter the same day.');
    await submit(page, 'Complete with this outcome');
    assert.match(await page.locator('main').textContent(), /Completed/);
    await checkA11y(page);
  });

  await step('the sender sees the outcome and the whole history', async () => {
    page = advocate.page;
    await page.goto(referralUrl);
    const text = await page.locator('main').textContent();
    assert.match(text, /Services provided/);
    assert.match(text, /Placed in a shelter the same day/);
    for (const what of ['Sent', 'Routed to a partner', 'Accepted', 'Completed']) {
      assert.match(text, new RegExp(what));
    }
    await checkA11y(page);
  });

  await step('the coordinator sees the statewide counts, never the person', async () => {
    const coordinator = await member(/^Coordinator/);
    page = coordinator.page;
    await page.goto(`${demo.baseUrl}/navigator`);
    await checkA11y(page);
    await page.getByRole('link', { name: 'See every region' }).click();
    await page.waitForLoadState('load');
    const text = await page.locator('main').textContent();
    assert.match(text, /Referrals across regions/);
    assert.doesNotMatch(text, /Rosa/);
    await checkA11y(page);
  });
});
