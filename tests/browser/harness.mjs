import { createHmac } from 'node:crypto';
// Shared plumbing for the browser tests: run the demo binary, drive system Chromium through
// playwright-core, check pages with axe-core.
//
// Environment:
//   TASKFORCE_BIN  the binary to run (default: <repo>/target/debug/taskforce; a relative
//                  path is taken from the repository root)
//   CHROMIUM       the browser (default: /usr/bin/chromium)
//   ARTIFACTS_DIR  where dumpPage() writes (default: tests/browser/artifacts)

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

/** The repository root (tests/browser/../..). */
export const repoRoot = resolve(here, '../..');

const STARTUP_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_LIMIT = 64 * 1024;

// Demo processes still running; killed if the test process exits without stopping them.
const running = new Set();
process.on('exit', () => {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** The binary startDemo() runs. */
export function taskforceBin() {
  const bin = process.env.TASKFORCE_BIN || join(repoRoot, 'target/debug/taskforce');
  return isAbsolute(bin) ? bin : resolve(repoRoot, bin);
}

// ANSI colour codes, in case the binary's log output is coloured.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
const LISTENING = /listening on (http:\/\/[^\s"'<>]+)/;

/**
 * Start `taskforce demo` on a fresh SQLite database in a new temp dir, on a free port.
 * Resolves once the binary prints a line containing `listening on http://...`.
 *
 * @param {{ timeoutMs?: number, args?: string[], env?: Record<string,string> }} [options]
 *   args: extra command-line arguments appended after the defaults.
 * @returns {Promise<{ baseUrl: string, dir: string, output: () => string, stop: () => Promise<void> }>}
 */
export async function startDemo(options = {}) {
  const timeoutMs = options.timeoutMs ?? STARTUP_TIMEOUT_MS;
  const bin = taskforceBin();
  if (!existsSync(bin)) {
    throw new Error(
      `taskforce binary not found at ${bin}; build it with \`cargo build -p taskforce\` ` +
        'or point TASKFORCE_BIN at it',
    );
  }

  const dir = mkdtempSync(join(tmpdir(), 'taskforce-demo-'));
  const args = [
    'demo',
    '--database',
    `sqlite://${join(dir, 'demo.db')}`,
    '--listen',
    '127.0.0.1:0',
    ...(options.args ?? []),
  ];

  let child;
  try {
    child = spawn(bin, args, {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', ...(options.env ?? {}) },
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  running.add(child);

  // Keep the last OUTPUT_LIMIT characters of each stream for error messages. Both pipes are
  // drained for the process's whole life so a chatty server never blocks on a full pipe.
  const captured = { stdout: '', stderr: '' };
  const keep = (name, chunk) => {
    captured[name] = (captured[name] + chunk).slice(-OUTPUT_LIMIT);
  };
  const output = () =>
    `command: ${bin} ${args.join(' ')}\n--- stdout ---\n${captured.stdout}\n--- stderr ---\n${captured.stderr}`;

  const exited = new Promise((resolveExit) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolveExit({ code, signal });
    });
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const baseUrl = await new Promise((resolveUrl, reject) => {
    let settled = false;
    const pending = { stdout: '', stderr: '' };
    const finish = (err, url) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolveUrl(url);
    };
    const onData = (name) => (chunk) => {
      const text = chunk.toString('utf8');
      keep(name, text);
      if (settled) return;
      // Look at whole lines only, so a URL split across chunks is never cut short.
      pending[name] += text;
      const lines = pending[name].split(/\r?\n/);
      pending[name] = lines.pop();
      for (const line of lines) {
        const m = line.replace(ANSI, '').match(LISTENING);
        if (m) {
          finish(null, m[1].replace(/[.,;:)\]]+$/, '').replace(/\/+$/, ''));
          return;
        }
      }
    };
    child.stdout.on('data', onData('stdout'));
    // The brief says stdout, but a logger writing to stderr should not hang the tests.
    child.stderr.on('data', onData('stderr'));
    child.once('error', (err) =>
      finish(new Error(`could not start ${bin}: ${err.message}\n${output()}`)),
    );
    exited.then(({ code, signal }) =>
      finish(
        new Error(
          `taskforce demo exited (code ${code}, signal ${signal}) before it was listening\n${output()}`,
        ),
      ),
    );
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `taskforce demo did not print "listening on http://" within ${timeoutMs / 1000} s\n${output()}`,
          ),
        ),
      timeoutMs,
    );
  }).catch(async (err) => {
    await stop();
    throw err;
  });

  return { baseUrl, dir, output, stop };
}

/** System Chromium, headless, no network side traffic. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const AXE_PATH = require.resolve('axe-core/axe.min.js');
const AXE_SOURCE = readFileSync(AXE_PATH, 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page; throw an AssertionError listing
 * every violation when there is any.
 *
 * @param {import('playwright-core').Page} page
 * @param {{ exclude?: string[] }} [options] CSS selectors to leave out (use sparingly, with a reason)
 */
export async function checkA11y(page, options = {}) {
  // axe is injected over the DevTools protocol, not with page.addScriptTag(): the app's
  // Content-Security-Policy (per-request nonce) blocks an injected inline <script>, and turning
  // CSP off for the tests (bypassCSP) would hide real CSP breakage. CSP does not govern
  // evaluation through the protocol, and nothing shows up in the page's console.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(AXE_SOURCE);
  }
  const exclude = options.exclude ?? [];
  const result = await page.evaluate(
    async ({ tags, exclude }) => {
      const context = exclude.length ? { exclude: exclude.map((s) => [s]) } : document;
      const r = await window.axe.run(context, { runOnly: tags });
      return r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary, html: n.html })),
      }));
    },
    { tags: AXE_TAGS, exclude },
  );
  if (result.length > 0) {
    const lines = [`${result.length} accessibility violation(s) on ${page.url()}:`];
    for (const v of result) {
      lines.push(`- ${v.id} [${v.impact}]: ${v.help} (${v.helpUrl})`);
      for (const n of v.nodes) {
        lines.push(`    at ${n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(', ')}`);
        lines.push(`       ${n.html.slice(0, 200)}`);
        if (n.summary) lines.push(...n.summary.split('\n').map((s) => `       ${s}`));
      }
    }
    throw new assert.AssertionError({ message: lines.join('\n'), actual: result, expected: [], operator: 'checkA11y' });
  }
}

/**
 * Record console errors, uncaught page errors (a CSP violation is a console error) and failed
 * requests on a page; call assertNone() to fail the test when any occurred.
 *
 * @param {import('playwright-core').Page} page
 */
export function trackErrors(page) {
  const problems = [];
  page.on('console', (msg) => {
    // "Failed to load resource" carries no URL; HTTP errors are recorded from responses below.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console error on ${page.url()}: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 400 && new URL(res.url()).pathname !== '/favicon.ico') {
      problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
    }
  });
  page.on('requestfailed', (req) =>
    problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`),
  );
  return {
    problems,
    assertNone() {
      assert.deepEqual(problems, [], `browser reported problems:\n${problems.join('\n')}`);
    },
  };
}

/**
 * Save the page's HTML and a screenshot for a failed test. Returns the path prefix written,
 * or undefined when the page could not be captured.
 *
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
export async function dumpPage(page, name) {
  const dir = process.env.ARTIFACTS_DIR || join(here, 'artifacts');
  const prefix = join(dir, name.replace(/[^a-zA-Z0-9_-]+/g, '-'));
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${prefix}.html`, `<!-- ${page.url()} -->\n${await page.content()}`);
    await page.screenshot({ path: `${prefix}.png`, fullPage: true });
    return prefix;
  } catch {
    return undefined;
  }
}

/**
 * The demo users the binary printed: { "Task force name": { "Role label": "email" } }.
 * @param {{ output: () => string }} demo
 */
export function demoUsers(demo) {
  const users = {};
  let current = null;
  for (const raw of demo.output().split(/\r?\n/)) {
    const line = raw.replace(ANSI, '');
    const tf = line.match(/^ {2}(\S.*Task Force)\s*$/);
    if (tf) {
      current = users[tf[1]] = {};
      continue;
    }
    const user = line.match(/^ {4}(\S.*?)\s{2,}.* <([^>]+)>\s*$/);
    if (user && current) current[user[1]] = user[2];
  }
  return users;
}

/** The demo password, as the binary printed it. */
export function demoPassword(demo) {
  const m = demo.output().match(/password is: (\S+)/);
  if (!m) throw new Error(`the demo did not print its password\n${demo.output()}`);
  return m[1];
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) for a base32 secret, as an authenticator app computes it. */
export function totp(secretBase32, at = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secretBase32.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const key = Buffer.alloc(Math.floor(bits.length / 8));
  for (let i = 0; i < key.length; i++) key[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

/**
 * Signs in through the real pages: e-mail and password, then enrols the authenticator app (first
 * sign-in) or enters its code. Returns the TOTP secret so a later sign-in can compute codes.
 */
export async function signIn(page, baseUrl, email, password, secret = null) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/sign-in\/second-factor/), page.getByRole('button', { name: 'Sign in' }).click()]);
  if (!secret) {
    secret = (await page.locator('#totp-secret').textContent()).trim();
  }
  await page.getByLabel('Code').fill(totp(secret));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForLoadState('load');
  if (await page.locator('#recovery-codes').count()) {
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.waitForLoadState('load');
  }
  return secret;
}
