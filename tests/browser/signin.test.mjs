// Signing in as a person does it: the manual's first login with an authenticator app, the
// daily login, changing the password, and signing out. The QR code is read from a screenshot
// with zbarimg, and the codes come from oathtool, both outside our code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPortal, startBrowser, openPage, VIEWPORTS, expectNoAxeViolations, expectNoHorizontalScroll, nthSms, smsCount, writtenKey, fromUserMenu } from './harness.mjs';

const PASSWORD = 'Zonnebloem!Tafel7';
let portal;
let browser;

before(async () => {
  portal = await startPortal();
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

/** The otpauth URI in the QR code on the page, read from a screenshot. */
async function readQr(page) {
  const png = await page.getByRole('img', { name: /^QR-code om uw account / }).screenshot();
  const file = join(mkdtempSync(join(tmpdir(), 'qr-')), 'qr.png');
  writeFileSync(file, png);
  return execFileSync('zbarimg', ['--quiet', '--raw', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** A code from oathtool, `offset` seconds from now (the server accepts one step around now). */
function totp(secret, offset = 0) {
  const when = new Date(Date.now() + offset * 1000).toISOString().replace('T', ' ').replace(/\..*/, ' UTC');
  return execFileSync('oathtool', ['--totp', '-b', secret, '--now', when], { encoding: 'utf8' }).trim();
}

async function checkPage(page) {
  await expectNoHorizontalScroll(page, assert);
  await expectNoAxeViolations(page, assert);
}

for (const viewport of VIEWPORTS) {
  test(`siloah: eerste keer inloggen met een Authenticator App, dan dagelijks (${viewport.width}px)`, async () => {
    // Each width uses its own demo account, so the two runs do not share a second factor.
    const username = viewport.width < 400 ? 'ingrid.devries@example.nl' : 'pieter.devries@example.nl';
    const page = await openPage(browser, viewport);
    await page.goto(portal.url('siloah', '/'));
    await page.getByRole('link', { name: 'Inloggen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inloggen' }).waitFor();
    await checkPage(page);

    // A wrong password: a clear message, and the username is still there.
    await page.getByLabel('Gebruikersnaam').fill(username);
    await page.getByLabel('Wachtwoord', { exact: true }).fill('geen-idee');
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await page.getByRole('alert').filter({ hasText: 'De gebruikersnaam of het wachtwoord is onjuist' }).waitFor();
    assert.equal(await page.getByLabel('Gebruikersnaam').inputValue(), username);
    await checkPage(page);

    // The eye shows what was typed.
    await page.getByLabel('Wachtwoord', { exact: true }).fill(PASSWORD);
    const eye = page.getByRole('button', { name: 'Toon wachtwoord' });
    await eye.click();
    assert.equal(await page.getByLabel('Wachtwoord', { exact: true }).getAttribute('type'), 'text');
    assert.equal(await eye.getAttribute('aria-pressed'), 'true');
    await checkPage(page);
    // By keyboard too: the eye is the next stop after the field, and Space presses it.
    await page.getByLabel('Wachtwoord', { exact: true }).focus();
    await page.keyboard.press('Tab');
    assert.equal(await eye.evaluate((e) => e === document.activeElement), true);
    await page.keyboard.press('Space');
    assert.equal(await page.getByLabel('Wachtwoord', { exact: true }).getAttribute('type'), 'password');
    assert.equal(await eye.getAttribute('aria-pressed'), 'false');
    // The eye sits at the end of the field, inside it.
    const field = await page.getByLabel('Wachtwoord', { exact: true }).boundingBox();
    const button = await eye.boundingBox();
    assert.ok(button.x + button.width <= field.x + field.width && button.x > field.x + field.width / 2, 'the eye is at the end of the field');
    await page.getByRole('button', { name: 'Inloggen' }).click();

    await page.getByRole('heading', { level: 1, name: 'Tweestapsverificatie activeren' }).waitFor();
    await checkPage(page);
    await page.getByRole('link', { name: 'Authenticator App (heeft de voorkeur)' }).click();
    await page.getByRole('heading', { level: 1, name: 'Authenticator App koppelen' }).waitFor();
    await checkPage(page);

    const uri = await readQr(page);
    assert.match(uri, /^otpauth:\/\/totp\/Siloah:/);
    const secret = new URL(uri).searchParams.get('secret');
    assert.equal(new URL(uri).searchParams.get('issuer'), 'Siloah');
    const written = await writtenKey(page);
    assert.equal(written, secret, 'the key written out is the key in the QR code');

    await page.getByLabel('Code uit de app').fill('000000');
    await page.getByRole('button', { name: 'Bevestig' }).click();
    await page.getByRole('alert').filter({ hasText: 'Deze code klopt niet' }).waitFor();
    await checkPage(page);
    await page.getByLabel('Code uit de app').fill(totp(secret));
    await page.getByRole('button', { name: 'Bevestig' }).click();

    await page.getByRole('heading', { level: 1, name: /^Welkom, / }).waitFor();
    assert.ok(await page.getByText('Thomas de Vries', { exact: true }).isVisible());
    await checkPage(page);

    await fromUserMenu(page, 'Uitloggen');
    await page.getByRole('status').filter({ hasText: 'U bent uitgelogd.' }).waitFor();

    // The daily login: all three fields on one form. The next step's code, since the
    // current one was used to activate the app.
    await page.getByLabel('Gebruikersnaam').fill(username);
    await page.getByLabel('Wachtwoord', { exact: true }).fill(PASSWORD);
    await page.getByLabel('2FA code', { exact: true }).fill(totp(secret, 30));
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await page.getByRole('heading', { level: 1, name: /^Welkom, / }).waitFor();

    await fromUserMenu(page, 'Mijn profiel');
    await page.getByRole('heading', { level: 1, name: 'Mijn profiel' }).waitFor();
    assert.ok(await page.getByText(username, { exact: true }).isVisible());
    await checkPage(page);
    await page.close();
  });
}

test('siloah: wachtwoord wijzigen met de eisen uit de handleiding', async () => {
  const page = await openPage(browser, VIEWPORTS[0]);
  await page.goto(portal.url('siloah', '/inloggen'));
  await page.getByLabel('Gebruikersnaam').fill('fatima.elamrani@example.nl');
  await page.getByLabel('Wachtwoord', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByRole('link', { name: 'Authenticator App (heeft de voorkeur)' }).click();
  const secret = new URL(await readQr(page)).searchParams.get('secret');
  await page.getByLabel('Code uit de app').fill(totp(secret));
  await page.getByRole('button', { name: 'Bevestig' }).click();
  await fromUserMenu(page, 'Mijn profiel');
  await page.getByRole('link', { name: 'Wachtwoord wijzigen' }).click();

  await page.getByRole('heading', { level: 1, name: 'Wachtwoord wijzigen' }).waitFor();
  assert.ok(await page.getByText('Minimum aantal tekens: 8').isVisible(), 'the rules come before typing');
  assert.ok(await page.getByText('Hergebruik wachtwoord is toegestaan na: 1 jaar').isVisible());
  await checkPage(page);

  await page.getByLabel('Huidig wachtwoord').fill(PASSWORD);
  await page.getByLabel('Nieuw wachtwoord').fill('zomer');
  await page.getByLabel('Bevestig wachtwoord').fill('zomer2');
  await page.getByRole('button', { name: 'Wijzig wachtwoord' }).click();
  await page.getByText('Het wachtwoord moet een hoofdletter bevatten.').waitFor();
  assert.ok(await page.getByText('De twee nieuwe wachtwoorden zijn niet gelijk.').isVisible());
  const described = await page.getByLabel('Nieuw wachtwoord').getAttribute('aria-describedby');
  assert.match(described, /nieuw-fout/, 'the errors are tied to the field');
  await checkPage(page);

  const next = 'Paarse-Olifant-Dans-42';
  await page.getByLabel('Huidig wachtwoord').fill(PASSWORD);
  await page.getByLabel('Nieuw wachtwoord').fill(next);
  await page.getByLabel('Bevestig wachtwoord').fill(next);
  await page.getByRole('button', { name: 'Wijzig wachtwoord' }).click();
  await page.getByRole('status').filter({ hasText: 'Uw wachtwoord is gewijzigd.' }).waitFor();
  await page.close();
});

/** Waits for a new .eml in the development mail folder and returns its text. */
async function nextMail(dir, seen) {
  const { readdirSync, readFileSync, existsSync } = await import('node:fs');
  for (let i = 0; i < 100; i++) {
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml') && !seen.has(f)) : [];
    if (files.length) {
      seen.add(files[0]);
      return readFileSync(join(dir, files[0]), 'utf8');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no new mail in ${dir}`);
}

test('salem: wachtwoord vergeten, via de link in de e-mail een nieuw wachtwoord kiezen', async () => {
  const seen = new Set();
  const page = await openPage(browser, VIEWPORTS[0]);
  await page.goto(portal.url('salem', '/inloggen'));
  await page.getByRole('link', { name: 'Wachtwoord vergeten?' }).click();
  await page.getByRole('heading', { level: 1, name: 'Wachtwoord vergeten' }).waitFor();
  await checkPage(page);
  await page.getByLabel('Gebruikersnaam').fill('marja.jansen@example.nl');
  await page.getByRole('button', { name: 'Verstuur' }).click();
  await page.getByRole('status').filter({ hasText: 'Als deze gebruikersnaam bij ons bekend is' }).waitFor();
  await checkPage(page);

  const mail = (await nextMail(portal.mailDir, seen)).replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  assert.match(mail, /To: marja\.jansen@example\.nl/);
  const link = mail.match(/http:\/\/salem\.localhost:\d+\/wachtwoord-herstellen\/[A-Za-z0-9_-]+/)[0];

  await page.goto(link);
  await page.getByRole('heading', { level: 1, name: 'Nieuw wachtwoord kiezen' }).waitFor();
  await checkPage(page);
  await page.getByLabel('Nieuw wachtwoord', { exact: true }).fill('kort');
  await page.getByLabel('Bevestig wachtwoord').fill('kort');
  await page.getByRole('button', { name: 'Wachtwoord opslaan' }).click();
  await page.getByText('Het wachtwoord moet minimaal 10 tekens lang zijn.').waitFor();
  await checkPage(page);
  const next = 'Paarse-Olifant-Dans-42';
  await page.getByLabel('Nieuw wachtwoord', { exact: true }).fill(next);
  await page.getByLabel('Bevestig wachtwoord').fill(next);
  await page.getByRole('button', { name: 'Wachtwoord opslaan' }).click();
  await page.getByRole('status').filter({ hasText: 'Uw nieuwe wachtwoord is opgeslagen.' }).waitFor();

  // The link works once.
  await page.goto(link);
  await page.getByRole('heading', { level: 1, name: 'Deze link werkt niet meer' }).waitFor();
  await checkPage(page);
  await page.close();
});

for (const viewport of VIEWPORTS) {
  test(`salem: SMS activeren en inloggen met een SMS code (${viewport.width}px)`, async () => {
    const username = viewport.width < 400 ? 'kees.visser@example.nl' : 'anneke.visser@example.nl';
    let page = await openPage(browser, viewport);
    await page.goto(portal.url('salem', '/inloggen'));
    await page.getByLabel('Gebruikersnaam').fill(username);
    await page.getByLabel('Wachtwoord', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Tweestapsverificatie activeren' }).waitFor();
    await page.getByRole('link', { name: 'SMS' }).click();
    await page.getByRole('heading', { level: 1, name: 'SMS activeren' }).waitFor();
    await checkPage(page);

    await page.getByLabel('Stap 1: voer uw GSM nummer in').fill('020 1234567');
    await page.getByRole('button', { name: 'Verstuur registratiecode' }).click();
    await page.getByText('Dit is geen mobiel nummer.').waitFor();
    assert.equal(await page.getByLabel('Stap 1: voer uw GSM nummer in').inputValue(), '020 1234567');
    await checkPage(page);

    const number = viewport.width < 400 ? '06 1111 2222' : '+31 6 3333 4444';
    const seen = smsCount(portal.smsFile);
    await page.getByLabel('Stap 1: voer uw GSM nummer in').fill(number);
    await page.getByRole('button', { name: 'Verstuur registratiecode' }).click();
    await page.getByRole('status').filter({ hasText: 'Er is een registratiecode verstuurd' }).waitFor();
    const registration = await nthSms(portal.smsFile, seen + 1);
    assert.equal(registration.tenant, 'salem');
    const code = registration.body.match(/\b(\d{6})\b/)[1];
    await page.getByLabel('Stap 3: Registratiecode').fill(code);
    await page.getByRole('button', { name: 'Controleer' }).click();
    await page.getByRole('status').filter({ hasText: 'De registratiecode klopt.' }).waitFor();
    await checkPage(page);
    await page.getByRole('button', { name: 'Bevestig' }).click();
    await page.getByRole('heading', { level: 1, name: /^Welkom, / }).waitFor();
    await fromUserMenu(page, 'Uitloggen');

    // The same device: Salem sends no SMS (the manual: only the first time, on another device,
    // or after 90 days).
    await page.getByLabel('Gebruikersnaam').fill(username);
    await page.getByLabel('Wachtwoord', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: /^Welkom, / }).waitFor();
    await page.close();

    // Another device: Salem's login page promises the SMS only where it comes, and asks no
    // code itself; the next page asks it, says why it comes (with the FAQ's cookie advice),
    // and shows the first four digits, as the manual does.
    page = await openPage(browser, viewport);
    await page.goto(portal.url('salem', '/inloggen'));
    await page.getByText('als u voor het eerst op een ander apparaat inlogt').waitFor();
    assert.equal(await page.getByText('Authenticator').count(), 0, 'Salem offers no app');
    assert.equal(await page.getByLabel('2FA code').count(), 0);
    await page.getByLabel('Gebruikersnaam').fill(username);
    await page.getByLabel('Wachtwoord', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
    await page.getByText('Waarom krijg ik een SMS?').click();
    await page.getByText('Dan worden de cookies op uw computer steeds verwijderd.').waitFor();
    await page.getByRole('button', { name: 'SMS code aanvragen' }).click();
    const login = await nthSms(portal.smsFile, seen + 2);
    const [, prefix, digits] = login.body.match(/(\d{4})-(\d{6})/);
    await page.getByRole('status').filter({ hasText: `de code begint met "${prefix}"` }).waitFor();
    await checkPage(page);
    await page.getByLabel('2FA code', { exact: true }).fill(digits);
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await page.getByRole('heading', { level: 1, name: /^Welkom, / }).waitFor();

    await fromUserMenu(page, 'Mijn profiel');
    await page.getByRole('heading', { level: 2, name: 'Vertrouwde apparaten' }).waitFor();
    assert.ok((await page.getByRole('button', { name: /^Intrekken: / }).count()) >= 2, 'both devices are listed');
    await checkPage(page);
    await page.close();
  });
}

test('siloah: uitgenodigd met een eenmalig wachtwoord, dat na de eerste keer gewijzigd moet worden', async () => {
  const seen = new Set();
  const { readdirSync, existsSync } = await import('node:fs');
  if (existsSync(portal.mailDir)) readdirSync(portal.mailDir).forEach((f) => seen.add(f));
  portal.cli(['user', 'invite', '--tenant', 'siloah', '--email', 'mira.bakker@example.nl', '--name', 'Mira Bakker',
    '--client', 'SIL-1002', '--relation', 'representative']);
  const mail = (await nextMail(portal.mailDir, seen)).replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const oneTime = mail.match(/Eenmalig wachtwoord: (\S+)/)[1];

  const page = await openPage(browser, VIEWPORTS[0]);
  await page.goto(portal.url('siloah', '/inloggen'));
  await page.getByLabel('Gebruikersnaam').fill('mira.bakker@example.nl');
  await page.getByLabel('Wachtwoord', { exact: true }).fill(oneTime);
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await page.getByRole('link', { name: 'Authenticator App (heeft de voorkeur)' }).click();
  const secret = new URL(await readQr(page)).searchParams.get('secret');
  await page.getByLabel('Code uit de app').fill(totp(secret));
  await page.getByRole('button', { name: 'Bevestig' }).click();

  // Stap 4 of the manual: the one-time password must be replaced before anything else.
  await page.getByRole('heading', { level: 1, name: 'Wachtwoord wijzigen' }).waitFor();
  assert.ok(await page.getByText('U bent verplicht om uw wachtwoord te wijzigen').isVisible());
  await checkPage(page);
  await page.goto(portal.url('siloah', '/home'));
  await page.getByRole('heading', { level: 1, name: 'Wachtwoord wijzigen' }).waitFor();

  const next = 'Paarse-Olifant-Dans-42';
  await page.getByLabel('Huidig wachtwoord').fill(oneTime);
  await page.getByLabel('Nieuw wachtwoord').fill(next);
  await page.getByLabel('Bevestig wachtwoord').fill(next);
  await page.getByRole('button', { name: 'Wijzig wachtwoord' }).click();
  await page.getByRole('status').filter({ hasText: 'Uw wachtwoord is gewijzigd.' }).waitFor();
  assert.ok(await page.getByText('Sanne Bakker', { exact: true }).isVisible(), 'the dossier she was invited for');
  await page.close();
});
