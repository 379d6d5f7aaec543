// A security key instead of an authenticator app, as a person would use one: enrol it at first
// sign-in, keep the recovery codes, see it on the account page, sign out, and sign in again
// with it. Chromium's virtual authenticator (over the DevTools protocol) plays the key.
// Security keys are bound to a host name, never an IP address, so the demo (listening on
// 127.0.0.1) is opened at http://localhost:PORT, which its default --public-url names. Every
// page is checked for WCAG 2.1 A/AA violations, and without scripts the code form still works.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchBrowser, checkA11y, trackErrors, dumpPage, demoUsers, demoPassword } from './harness.mjs';

let demo;
let browser;
let baseUrl;

before(async () => {
  demo = await startDemo();
  const url = new URL(demo.baseUrl);
  url.hostname = 'localhost';
  baseUrl = url.origin;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

function someUser() {
  const users = demoUsers(demo);
  const forces = Object.keys(users);
  assert.ok(forces.length > 0, `no demo users printed\n${demo.output()}`);
  const roles = users[forces[0]];
  return roles['Investigator'] ?? Object.values(roles)[0];
}

async function addKey(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'usb',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
  return { cdp, authenticatorId };
}

async function signInWithPassword(page, email, password) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/sign-in\/second-factor/), page.getByRole('button', { name: 'Sign in' }).click()]);
}

test('a member enrols a security key instead of an app and signs in with it', { timeout: 180_000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors = trackErrors(page);
  const email = someUser();
  const password = demoPassword(demo);
  try {
    const { cdp, authenticatorId } = await addKey(page);

    // First sign-in: the app's QR code, and beside it the offer of a security key.
    await signInWithPassword(page, email, password);
    await page.getByRole('heading', { name: 'Set up your second factor' }).waitFor();
    assert.equal(await page.locator('figure.qr svg').count(), 1, 'the authenticator app is still offered');
    const useKey = page.getByRole('button', { name: 'Use a security key or passkey instead' });
    await useKey.waitFor({ state: 'visible' });
    await checkA11y(page);

    // The key answers; the account gets recovery codes, shown once.
    await useKey.click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    assert.match(await page.locator('main').textContent(), /Your security key is set up/);
    const codes = (await page.locator('#recovery-codes li').allTextContents()).map((c) => c.trim());
    assert.equal(codes.length, 10);
    await checkA11y(page);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1, 'the key holds one credential for Taskforce');
    assert.equal(credentials[0].rpId, 'localhost');
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Task forces' }).waitFor();

    // The account page lists the key; adding the same key again is refused with a message.
    await page.goto(`${baseUrl}/account`);
    const keys = page.locator('#security-key-list tbody tr');
    assert.equal(await keys.count(), 1);
    assert.match(await keys.first().textContent(), /Security key/);
    assert.match(await keys.first().textContent(), /Never/);
    await checkA11y(page);
    await page.getByLabel('Name of the new key').fill('The same key again');
    await page.getByRole('button', { name: 'Add a security key' }).click();
    await page.getByText('registered to your account already').waitFor();
    assert.equal(await keys.count(), 1);
    await checkA11y(page);

    // Sign out; signing in again asks for the key, which gives the second factor.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/sign-in/);
    await signInWithPassword(page, email, password);
    await page.getByRole('heading', { name: 'Use your security key', level: 1 }).waitFor();
    assert.equal(await page.locator('#totp-secret').count(), 0, 'no enrolment this time');
    const signInWithKey = page.getByRole('button', { name: 'Use your security key' });
    await signInWithKey.waitFor({ state: 'visible' });
    await checkA11y(page);
    await signInWithKey.click();
    await page.getByRole('heading', { name: 'Task forces' }).waitFor();

    await page.goto(`${baseUrl}/account`);
    assert.doesNotMatch(await keys.first().textContent(), /Never/, 'the last use is shown');
    errors.assertNone();

    // Without scripts the key cannot be used, but a recovery code still opens the account.
    const plain = await browser.newContext({ javaScriptEnabled: false });
    const noScript = await plain.newPage();
    noScript.setDefaultTimeout(15_000);
    await signInWithPassword(noScript, email, password);
    await noScript.getByRole('heading', { name: 'Use your security key', level: 1 }).waitFor();
    // (axe runs as a script, so this page is checked above, with scripts on.)
    assert.equal(await noScript.getByRole('button', { name: 'Use your security key' }).count(), 0, 'hidden without scripts');
    await noScript.getByLabel('Code').fill(codes[0]);
    await noScript.getByRole('button', { name: 'Continue' }).click();
    await noScript.getByRole('heading', { name: 'Task forces' }).waitFor();
    await plain.close();
  } catch (err) {
    const saved = await dumpPage(page, 'passkeys');
    if (saved) err.message += `\n(page saved at ${saved}.html / .png)`;
    throw err;
  } finally {
    await context.close();
  }
});
