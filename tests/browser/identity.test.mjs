// Sign-in as a person would: the notice, password, enrolling an authenticator app, recovery
// codes, a page of one's own, a page one's role may not see, signing out, and signing in again
// with a code from the app. Every page is checked for WCAG 2.1 A/AA violations.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchBrowser, checkA11y, demoUsers, demoPassword, totp } from './harness.mjs';

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

test('an investigator signs in, enrols TOTP, is refused what is not theirs, signs out', { timeout: 120_000 }, async () => {
  const page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  const email = demoUsers(demo)['Western New York Human Trafficking Task Force']['Investigator'];
  const password = demoPassword(demo);

  // Any page sends a stranger to sign in, behind the system-use notice.
  await page.goto(`${demo.baseUrl}/`);
  await page.waitForURL(/\/sign-in\?next=/);
  await page.getByRole('heading', { name: 'Notice' }).waitFor();
  assert.match(await page.locator('.banner').textContent(), /authorized/);
  await checkA11y(page);

  // A wrong password is refused without saying whether the account exists.
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('do not match an active account').waitFor();
  await checkA11y(page);

  // The right password leads to enrolling an authenticator app.
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/sign-in\/second-factor/), page.getByRole('button', { name: 'Sign in' }).click()]);
  await page.getByRole('heading', { name: 'Set up your second factor' }).waitFor();
  assert.equal(await page.locator('figure.qr svg').count(), 1, 'a QR code to scan');
  const secret = (await page.locator('#totp-secret').textContent()).trim();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  await checkA11y(page);

  // Until the code is given, nothing else opens.
  await page.goto(`${demo.baseUrl}/`);
  await page.waitForURL(/\/sign-in\/second-factor/);

  await page.getByLabel('Code').fill('000000' === totp(secret) ? '111111' : '000000');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('not the one the app shows').waitFor();

  await page.getByLabel('Code').fill(totp(secret));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
  assert.equal(await page.locator('#recovery-codes li').count(), 10);
  await checkA11y(page);
  await page.getByRole('link', { name: 'Continue' }).click();

  // Their own task force opens; only it is listed.
  await page.getByRole('heading', { name: 'Task forces' }).waitFor();
  const cards = page.locator('.cards h2');
  assert.equal(await cards.count(), 1);
  assert.match(await cards.first().textContent(), /Western New York/);
  await page.getByRole('link', { name: /Western New York/ }).click();
  await page.locator('h1', { hasText: 'Western New York' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Edit task force' }).count(), 0, 'an investigator may not edit the task force');
  await checkA11y(page);

  // The access review (who holds which roles) is for administrators and auditors only.
  const refused = await page.goto(`${demo.baseUrl}/admin/access-review`);
  assert.equal(refused.status(), 403);
  await page.getByRole('heading', { name: 'Not available to you' }).waitFor();
  assert.match(await page.locator('main').textContent(), /Your role does not include this/);
  assert.doesNotMatch(await page.locator('main').textContent(), /@/, 'nothing of the report leaks');
  await checkA11y(page);

  // The refusal offers a way back; from there, signing out ends the session.
  await page.getByRole('link', { name: 'Go to the list of task forces' }).click();
  await page.getByRole('heading', { name: 'Task forces' }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/sign-in/);
  await page.goto(`${demo.baseUrl}/`);
  await page.waitForURL(/\/sign-in\?next=/);

  // Signing in again asks for the code from the app, not a new enrolment.
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/sign-in\/second-factor/), page.getByRole('button', { name: 'Sign in' }).click()]);
  await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
  assert.equal(await page.locator('#totp-secret').count(), 0, 'the secret is never shown again');
  await checkA11y(page);
  await page.getByLabel('Code').fill(totp(secret));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Task forces' }).waitFor();
  await page.close();
});
