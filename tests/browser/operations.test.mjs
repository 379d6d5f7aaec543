// Event deconfliction as two agencies live it: the commanders of two North Dakota agencies each
// plan an operation; the second overlaps the first in place and time, so both see the conflict
// (the other agency, who to call) in their list and on the map, and the first acknowledges it.
// Every page is checked for WCAG 2.1 A/AA violations; the map draws under the CSP nonce.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchBrowser, checkA11y, dumpPage, demoUsers, demoPassword, signIn, trackErrors } from './harness.mjs';

const ND = 'North Dakota Human Trafficking Task Force';
const AGENCY_A = 'Fargo Police Department';
const AGENCY_B = "Williams County Sheriff's Office";

let demo;
let browser;

before(async () => {
  // The demo builds its caseload first: give a loaded machine time.
  demo = await startDemo({ timeoutMs: 240_000 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function step(page, name, fn) {
  try {
    await fn();
  } catch (err) {
    const saved = await dumpPage(page, `operations-${name}`);
    const where = saved ? `\n(page saved to ${saved}.html and .png)` : '';
    throw new Error(`step "${name}" at ${page.url()}: ${err.message}${where}`, { cause: err });
  }
}

/** `YYYY-MM-DDTHH:MM` (UTC) some hours from now, as a datetime-local field takes it. */
function utc(hoursFromNow) {
  const t = new Date(Date.now() + hoursFromNow * 3600_000);
  t.setUTCMinutes(0, 0, 0);
  return t.toISOString().slice(0, 16);
}

async function newPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

/** The e-mail of the supervisor of `agency`, read from the task force's members page. */
async function supervisorOf(page, agency) {
  const href = await page.locator('main table tbody tr', { hasText: `${agency}: Supervisor` }).first().getByRole('link').getAttribute('href');
  await page.goto(`${demo.baseUrl}${href}`);
  const text = await page.locator('main').textContent();
  const email = text.match(/[\w.+-]+@[\w-]+\.demo/);
  assert.ok(email, `an e-mail address on ${href}`);
  return email[0];
}

async function plan(page, { title, lat, lon, radius, from, to }) {
  await page.goto(`${demo.baseUrl}/operations`);
  await page.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();
  await checkA11y(page);
  await page.getByRole('link', { name: 'Plan an operation' }).click();
  await page.getByRole('heading', { name: 'Plan an operation' }).waitFor();
  await checkA11y(page);
  await page.getByLabel(/^Type of operation/).selectOption('raid');
  await page.getByLabel(/^Name of the operation/).fill(title);
  await page.getByLabel(/^Latitude/).fill(lat);
  await page.getByLabel(/^Longitude/).fill(lon);
  await page.getByLabel(/^Radius in metres/).fill(radius);
  await page.getByLabel(/^Starts \(UTC\)/).fill(from);
  await page.getByLabel(/^Ends \(UTC\)/).fill(to);
  await page.getByLabel(/^Phone for the other agency/).fill('701-555-0177');
  await page.getByRole('button', { name: 'Plan and deconflict' }).click();
  await page.getByRole('heading', { name: title, level: 1 }).waitFor();
}

async function seesConflictOnMap(page) {
  await page.goto(`${demo.baseUrl}/operations/map`);
  await page.getByRole('heading', { name: 'Operations map' }).waitFor();
  // The demo gives some agencies a conflict of their own already: at least this one is drawn.
  await page.waitForFunction(() => Number(document.getElementById('operations-map')?.getAttribute('data-conflicts')) >= 1);
  assert.ok((await page.locator('#operations-map path.operation-conflict').count()) >= 1, 'the conflict is drawn');
  assert.ok((await page.locator('#operations-map path.operation-circle').count()) >= 1, 'the operations are drawn');
  await checkA11y(page);
}

test('two agencies plan overlapping operations and both see the conflict, on the map too', { timeout: 240_000 }, async () => {
  const password = demoPassword(demo);
  const lookup = await newPage();
  let emailA;
  let emailB;
  await step(lookup, 'find the commanders', async () => {
    const coordinator = demoUsers(demo)[ND]['Coordinator'];
    await signIn(lookup, demo.baseUrl, coordinator, password);
    await lookup.goto(`${demo.baseUrl}/`);
    await lookup.getByRole('link', { name: ND }).first().click();
    await lookup.getByRole('link', { name: /^Members/ }).first().click();
    const members = lookup.url();
    emailA = await supervisorOf(lookup, AGENCY_A);
    await lookup.goto(members);
    emailB = await supervisorOf(lookup, AGENCY_B);
  });

  const a = await newPage();
  const errorsA = trackErrors(a);
  await step(a, 'agency A plans', async () => {
    await signIn(a, demo.baseUrl, emailA, password);
    await plan(a, { title: 'Operation Juniper', lat: '46.8772', lon: '-96.7898', radius: '400', from: utc(72), to: utc(76) });
    await a.getByText('No other agency\'s operation overlaps it.').waitFor();
    await checkA11y(a);
  });

  const b = await newPage();
  const errorsB = trackErrors(b);
  await step(b, 'agency B plans an overlapping operation', async () => {
    await signIn(b, demo.baseUrl, emailB, password);
    await plan(b, { title: 'Operation Larkspur', lat: '46.8790', lon: '-96.7898', radius: '300', from: utc(74), to: utc(78) });
    await b.getByText(/It overlaps another agency's operation: both commanders were told/).waitFor();
    const row = b.locator('table.conflicts tbody tr').first();
    await row.getByText(AGENCY_A).waitFor();
    assert.ok(!(await b.locator('main').textContent()).includes('Juniper'), "the other operation's name is not shown");
    await checkA11y(b);
  });

  await step(b, 'agency B sees it on the map', async () => {
    await seesConflictOnMap(b);
  });

  await step(a, 'agency A sees the conflict and acknowledges it', async () => {
    await a.goto(`${demo.baseUrl}/operations`);
    const row = a.locator('table.conflicts tbody tr', { hasText: AGENCY_B });
    await row.getByText('Awaiting your acknowledgement').waitFor();
    await row.getByText('701-555-0177').waitFor();
    assert.ok(!(await a.locator('main').textContent()).includes('Larkspur'), "the other operation's name is not shown");
    await checkA11y(a);
    await row.getByRole('button', { name: /Acknowledge the conflict/ }).click();
    await a.getByText('Acknowledged.').waitFor();
    await a.locator('table.conflicts tbody tr', { hasText: AGENCY_B }).getByText(/^Acknowledged \d{4}-/).waitFor();
    await checkA11y(a);
  });

  await step(a, 'agency A sees it on the map', async () => {
    await seesConflictOnMap(a);
  });

  await step(b, 'agency B sees the acknowledgement', async () => {
    await b.goto(`${demo.baseUrl}/operations`);
    const row = b.locator('table.conflicts tbody tr', { hasText: AGENCY_A });
    await row.locator('td').last().getByText(/^Acknowledged \d{4}-/).waitFor();
  });
  errorsA.assertNone();
  errorsB.assertNone();
});
