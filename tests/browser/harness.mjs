// Starts a real Careportal (its own data folder, the demo data, a free port) and Debian's
// Chromium, so each browser test sees what a person sees.
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const BIN = process.env.CAREPORTAL_BIN;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ROOT = new URL('../..', import.meta.url).pathname;

if (!BIN) throw new Error('CAREPORTAL_BIN must name the careportal binary (make e2e sets it)');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startPortal() {
  const dataDir = mkdtempSync(join(tmpdir(), 'careportal-e2e-'));
  const port = await freePort();
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAREPORTAL_'))),
    CAREPORTAL_DATA_DIR: join(dataDir, 'data'),
    CAREPORTAL_LISTEN: `127.0.0.1:${port}`,
    CAREPORTAL_TENANTS_DIR: join(ROOT, 'tenants'),
    CAREPORTAL_POLICIES_DIR: join(ROOT, 'policies'),
    CAREPORTAL_LOG_LEVEL: 'warn',
  };
  execFileSync(BIN, ['demo'], { env, cwd: dataDir, stdio: 'pipe' });
  const child = spawn(BIN, ['serve'], { env, cwd: dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const response = await fetch(`${base}/readyz`);
      if (response.ok) break;
    } catch { /* not listening yet */ }
    if (child.exitCode !== null) throw new Error(`careportal serve stopped:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    url: (slug, path = '/') => `http://${slug}.localhost:${port}${path}`,
    // The development mail sink: one .eml file per message.
    mailDir: join(dataDir, 'data', 'outbox', 'mail'),
    // Runs a careportal command against this portal's data (e.g. user invite).
    cli: (args) => execFileSync(BIN, args, { env, cwd: dataDir, encoding: 'utf8' }),
    // The development SMS sink: one JSON line per message.
    smsFile: join(dataDir, 'data', 'outbox', 'sms.jsonl'),
    // Changes stored data as time would (an old password), with Python's sqlite3: the test
    // ages the data, the portal judges it as it would any morning.
    sql: (statement, ...params) => execFileSync('python3', ['-c',
      'import sqlite3, sys, json; c = sqlite3.connect(sys.argv[1], timeout=10); '
      + 'n = c.execute(sys.argv[2], json.loads(sys.argv[3])).rowcount; c.commit(); print(n)',
      join(dataDir, 'data', 'careportal.db'), statement, JSON.stringify(params)], { encoding: 'utf8' }).trim(),
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The FHIR R4 test server of tests/fhir (medplum's router), as the ECD of a tenant. */
export async function startFhirServer() {
  const port = await freePort();
  const child = spawn('node', [join(ROOT, 'tests/fhir/server.mjs'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (d) => {
      seen += d;
      if (seen.includes('ready')) resolve();
    });
    child.once('exit', () => reject(new Error('the FHIR server stopped (npm ci in tests/fhir?)')));
  });
  const baseUrl = `http://127.0.0.1:${port}/fhir/R4`;
  return {
    baseUrl,
    /** Posts a transaction Bundle. */
    async load(bundle) {
      const response = await fetch(baseUrl, {
        method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(bundle),
      });
      if (!response.ok) throw new Error(`FHIR transaction: ${response.status}`);
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    },
  };
}

/** A copy of a repository tenant (tenant.toml and logo) with `edit` applied to its tenant.toml. */
export function tenantCopy(slug, edit) {
  const dir = join(mkdtempSync(join(tmpdir(), 'careportal-tenant-')), slug);
  mkdirSync(dir);
  writeFileSync(join(dir, 'tenant.toml'), edit(readFileSync(join(ROOT, 'tenants', slug, 'tenant.toml'), 'utf8')));
  copyFileSync(join(ROOT, 'tenants', slug, 'logo.svg'), join(dir, 'logo.svg'));
  return dir;
}

export const FIXTURES = join(ROOT, 'tests/fixtures');

export async function startBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

export const VIEWPORTS = [
  { name: 'telefoon', width: 360, height: 740 },
  { name: 'desktop', width: 1280, height: 800 },
];

// IBM's Equal Access engine, put into the page the way the browser extension does: as a
// script evaluated by the debugger protocol, which the page's CSP does not govern.
const ACE = readFileSync(createRequire(import.meta.url).resolve('accessibility-checker-engine/ace.js'), 'utf8');

/**
 * Zero violations in axe and in IBM's Equal Access checker (WCAG 2.1 AA), with the details in
 * the failure message when there are some.
 */
export async function expectNoAxeViolations(page, assert) {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(summary, [], `axe violations on ${page.url()}`);
  assert.deepEqual(await equalAccessViolations(page), [], `Equal Access violations on ${page.url()}`);
}

/** What IBM's Equal Access engine reports as a violation under its WCAG 2.1 (A and AA) rule set. */
export async function equalAccessViolations(page) {
  if (!(await page.evaluate(() => typeof window.ace === 'object' && window.ace !== null))) {
    await page.evaluate(`${ACE}\n;window.ace = ace; true`);
  }
  return page.evaluate(async () => {
    const report = await new window.ace.Checker().check(document, ['WCAG_2_1']);
    return report.results
      .filter((r) => r.value[0] === 'VIOLATION' && r.value[1] === 'FAIL')
      .map((r) => `${r.ruleId}: ${r.message} (${r.path.dom})`);
  });
}

/** Nothing may force a person to scroll sideways. */
export async function expectNoHorizontalScroll(page, assert) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  if (scrollWidth > innerWidth) {
    // Name the widest culprits, so a failure says where to look.
    const wide = await page.evaluate((limit) => [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > limit + 1)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${[...e.classList].join('.')} (${Math.round(e.getBoundingClientRect().right)}px)`), innerWidth);
    await page.screenshot({ path: '/tmp/too-wide.png', fullPage: true });
    assert.fail(`page is ${scrollWidth}px wide in a ${innerWidth}px window: ${wide.join(', ')}`);
  }
}

/** A page in its own context (fresh cookies), as axe requires; closing it closes both. */
export async function openPage(browser, viewport = VIEWPORTS[0]) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const close = page.close.bind(page);
  page.close = async () => {
    await close();
    await context.close();
  };
  return page;
}

/** How many SMS the development outbox holds now. */
export function smsCount(file) {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).length : 0;
}

/** Waits for SMS number `n` (1-based) in the development SMS outbox and returns it. */
export async function nthSms(file, n) {
  for (let i = 0; i < 100; i++) {
    if (smsCount(file) >= n) return JSON.parse(readFileSync(file, 'utf8').trim().split('\n').filter(Boolean)[n - 1]);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`fewer than ${n} SMS in ${file}`);
}

/** The text of a PDF as pdftotext (poppler) reads it. */
export function pdfText(bytes) {
  const file = join(mkdtempSync(join(tmpdir(), 'pdf-')), 'doc.pdf');
  writeFileSync(file, bytes);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

/** Fetches an address from inside the page (its cookies, its *.localhost name resolution). */
export async function fetchInPage(page, href) {
  const result = await page.evaluate(async (url) => {
    const response = await fetch(url);
    const bytes = Array.from(new Uint8Array(await response.arrayBuffer()));
    return { status: response.status, type: response.headers.get('content-type'), bytes };
  }, href);
  if (result.status !== 200) throw new Error(`${href}: ${result.status}`);
  return { type: result.type, body: Buffer.from(result.bytes) };
}

/** Fetches what a link points at, as the browser would when it is clicked. */
export async function fetchLinked(page, locator) {
  return fetchInPage(page, await locator.getAttribute('href'));
}

/** Every page: nothing to scroll sideways, and zero axe violations. */
export async function checkPage(page) {
  const assert = (await import('node:assert/strict')).default;
  await expectNoHorizontalScroll(page, assert);
  await expectNoAxeViolations(page, assert);
}

/** The record's menu. */
export function menu(page) {
  return page.getByRole('navigation', { name: 'Onderdelen van het dossier' });
}

const DAYS = ['zondag', 'maandag', 'dinsdag', 'woensdag', 'donderdag', 'vrijdag', 'zaterdag'];
const MONTHS = ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'];

// A day `n` days before today, as the CLI takes it (2026-11-24) and as the portal writes it
// (dinsdag 24 november 2026): tests derive their dates from the clock, so they hold in any year.
export function daysAgo(n) {
  const day = new Date(Date.now() - n * 86400000);
  return {
    iso: day.toISOString().slice(0, 10),
    dutch: `${DAYS[day.getUTCDay()]} ${day.getUTCDate()} ${MONTHS[day.getUTCMonth()]} ${day.getUTCFullYear()}`,
  };
}

/** The key written out under the QR code, read as a person reads it: after the colon. */
export async function writtenKey(page) {
  const caption = await page.getByText('Lukt scannen niet? Typ dan deze sleutel over in de app:').innerText();
  return caption.split(':').pop().replace(/\s/g, '');
}

/** A one-page PDF saying `text`, written to a temporary file: a print to offer. */
export function pdfFile(text) {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    null,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const stream = `BT /F1 14 Tf 72 770 Td (${text.replace(/[()\\]/g, '')}) Tj ET`;
  objects[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const at = pdf.length;
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((at) => `${String(at).padStart(10, '0')} 00000 n \n`).join('');
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  const file = join(mkdtempSync(join(tmpdir(), 'pdf-')), 'afdruk.pdf');
  writeFileSync(file, pdf, 'latin1');
  return file;
}

export const DEMO_PASSWORD = 'Zonnebloem!Tafel7';

/** A code from oathtool, `offset` seconds from now. */
export function totpCode(secret, offset = 0) {
  const when = new Date(Date.now() + offset * 1000).toISOString().replace('T', ' ').replace(/\..*/, ' UTC');
  return execFileSync('oathtool', ['--totp', '-b', secret, '--now', when], { encoding: 'utf8' }).trim();
}

/** A first login activating the authenticator app (typing the key the page writes out); returns the key. */
export async function signInWithApp(portal, page, slug, username) {
  await page.goto(portal.url(slug, '/inloggen'));
  await page.getByLabel('Gebruikersnaam').fill(username);
  await page.getByLabel('Wachtwoord', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByRole('link', { name: /^Authenticator App/ }).click();
  const secret = await writtenKey(page);
  await page.getByLabel('Code uit de app').fill(totpCode(secret));
  await page.getByRole('button', { name: 'Bevestig' }).click();
  await page.getByRole('heading', { level: 1, name: /^Welkom, / }).waitFor();
  return secret;
}

/** A first login activating SMS: the number, the registration code from the outbox, Bevestig. */
export async function signInWithSms(portal, page, slug, username, number) {
  await page.goto(portal.url(slug, '/inloggen'));
  await page.getByLabel('Gebruikersnaam').fill(username);
  await page.getByLabel('Wachtwoord', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await enrollSms(portal, page, number);
}

/** From the activation choice: SMS, the number, the registration code, Bevestig. */
async function enrollSms(portal, page, number) {
  await page.getByRole('link', { name: 'SMS' }).click();
  const seen = smsCount(portal.smsFile);
  await page.getByLabel('Stap 1: voer uw GSM nummer in').fill(number);
  await page.getByRole('button', { name: 'Verstuur registratiecode' }).click();
  const registration = await nthSms(portal.smsFile, seen + 1);
  await page.getByLabel('Stap 3: Registratiecode').fill(registration.body.match(/\b(\d{6})\b/)[1]);
  await page.getByRole('button', { name: 'Controleer' }).click();
  await page.getByRole('button', { name: 'Bevestig' }).click();
  await page.getByRole('heading', { level: 1, name: /^Welkom, / }).waitFor();
}

/** A Dutch mobile number of this person's own, for when a test activates SMS for them. */
function numberFor(username) {
  let n = 0;
  for (const c of username) n = (n * 31 + c.charCodeAt(0)) % 100000000;
  return `06 ${String(n).padStart(8, '0')}`;
}

/** The daily login on a new device with 'SMS code aanvragen' and the six digits. */
export async function signInAgainWithSms(portal, page, slug, username, number) {
  await page.goto(portal.url(slug, '/inloggen'));
  await page.getByLabel('Gebruikersnaam').fill(username);
  await page.getByLabel('Wachtwoord', { exact: true }).fill(DEMO_PASSWORD);
  const seen = smsCount(portal.smsFile);
  // Where a code is asked at every login (Siloah) the login page has the button; elsewhere
  // (Salem) the next page asks for the code when this device needs one.
  const onLogin = page.getByRole('button', { name: 'SMS code aanvragen' });
  if (await onLogin.count()) {
    await onLogin.click();
  } else {
    await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
    const onCodePage = page.getByRole('button', { name: 'SMS code aanvragen' });
    await onCodePage.or(page.getByRole('link', { name: 'SMS' })).first().waitFor();
    if (await onCodePage.isVisible()) await onCodePage.click();
  }
  // Not activated yet (this test runs alone, without the one that would have): activate
  // SMS now, so no test depends on another having run first.
  const code = page.getByLabel('2FA code', { exact: true });
  await code.or(page.getByRole('link', { name: 'SMS' })).first().waitFor();
  if (!(await code.isVisible())) {
    await enrollSms(portal, page, number ?? numberFor(username));
    return;
  }
  const sms = await nthSms(portal.smsFile, seen + 1);
  await page.getByLabel('2FA code', { exact: true }).fill(sms.body.match(/\d{4}-(\d{6})/)[1]);
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: /^Welkom, / }).waitFor();
}

/**
 * Chooses `item` (Mijn profiel, Beheer, Uitloggen) from the menu under the person's name at
 * the top right, opened as a person opens it: by clicking the name.
 */
export async function fromUserMenu(page, item) {
  await page.getByRole('button', { name: /^Ingelogd als / }).click();
  const role = item === 'Uitloggen' ? 'button' : 'link';
  await page.getByRole('list', { name: 'Uw account' }).getByRole(role, { name: item, exact: true }).click();
}
