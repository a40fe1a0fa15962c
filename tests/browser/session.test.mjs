// Time in a session: a password past the tenant's maximum age must be replaced at the next
// login (Siloah: six months), a tenant without a maximum asks nothing (Salem), and the idle
// warning comes two minutes before the idle timeout with 'Blijf ingelogd' (the page's
// clock is moved forward with Playwright's clock; the server keeps real time).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startPortal, startBrowser, openPage, VIEWPORTS, checkPage, totpCode as totp, signInWithApp, signInWithSms,
  DEMO_PASSWORD as PASSWORD, fromUserMenu,
} from './harness.mjs';

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

const firstLoginWithApp = (page, username) => signInWithApp(portal, page, 'siloah', username);

/** Moves the account's password back in time by `years`. */
function agePassword(username, years) {
  const changed = portal.sql(
    `UPDATE credentials SET password_set_at = printf('%04d', CAST(substr(password_set_at, 1, 4) AS INTEGER) - ?) || substr(password_set_at, 5)
     WHERE account_id = (SELECT id FROM accounts WHERE username = ?)`,
    years, username,
  );
  assert.equal(changed, '1', `no password for ${username}`);
}

test('siloah: een verlopen wachtwoord moet bij de volgende keer inloggen worden vervangen (360px)', async () => {
  const username = 'fatima.elamrani@example.nl';
  const page = await openPage(browser, VIEWPORTS[0]);
  const secret = await firstLoginWithApp(page, username);
  await fromUserMenu(page, 'Uitloggen');
  await page.getByRole('status').filter({ hasText: 'U bent uitgelogd.' }).waitFor();

  agePassword(username, 1);
  await page.getByLabel('Gebruikersnaam').fill(username);
  await page.getByLabel('Wachtwoord', { exact: true }).fill(PASSWORD);
  await page.getByLabel('2FA code', { exact: true }).fill(totp(secret, 30));
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByRole('heading', { level: 1, name: 'Wachtwoord wijzigen' }).waitFor();
  await page.getByText('verlopen').first().waitFor();
  await checkPage(page);
  // Nothing else opens until it is changed.
  await page.goto(portal.url('siloah', '/rapportages'));
  await page.getByRole('heading', { level: 1, name: 'Wachtwoord wijzigen' }).waitFor();

  await page.getByLabel('Huidig wachtwoord').fill(PASSWORD);
  await page.getByLabel('Nieuw wachtwoord').fill(PASSWORD);
  await page.getByLabel('Bevestig wachtwoord').fill(PASSWORD);
  await page.getByRole('button', { name: 'Wijzig wachtwoord' }).click();
  await page.getByText('Het nieuwe wachtwoord moet anders zijn dan het huidige.').waitFor();
  await checkPage(page);
  await page.getByLabel('Huidig wachtwoord').fill(PASSWORD);
  await page.getByLabel('Nieuw wachtwoord').fill('Tulpenveld&Molen42');
  await page.getByLabel('Bevestig wachtwoord').fill('Tulpenveld&Molen42');
  await page.getByRole('button', { name: 'Wijzig wachtwoord' }).click();
  await page.getByRole('status').filter({ hasText: 'Uw wachtwoord is gewijzigd.' }).waitFor();
  await page.close();
});

test('salem: zonder maximale leeftijd vraagt een oud wachtwoord niets (1280px)', async () => {
  const username = 'marja.jansen@example.nl';
  const page = await openPage(browser, VIEWPORTS[1]);
  await signInWithSms(portal, page, 'salem', username, '06 7777 8888');
  await fromUserMenu(page, 'Uitloggen');

  agePassword(username, 2);
  await page.getByLabel('Gebruikersnaam').fill(username);
  await page.getByLabel('Wachtwoord', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: /^Welkom, / }).waitFor();
  await checkPage(page);
  await page.close();
});

test('siloah: twee minuten voor het einde van de sessie een waarschuwing met Blijf ingelogd (1280px)', async () => {
  const page = await openPage(browser, VIEWPORTS[1]);
  await page.clock.install();
  await firstLoginWithApp(page, 'marco.bakker@example.nl');
  const warning = page.getByRole('alertdialog', { name: 'Bent u er nog?' });
  // Siloah: 15 minutes idle. Nothing at 12:59, the warning at 13:00.
  await page.clock.fastForward('12:59');
  assert.equal(await warning.isVisible(), false);
  await page.clock.fastForward('00:02');
  await warning.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Blijf ingelogd', 'focus on the way out');
  await checkPage(page);
  await page.getByRole('button', { name: 'Blijf ingelogd' }).click();
  await warning.waitFor({ state: 'hidden' });
  // The timers start again: no warning a minute later, the session still open.
  await page.clock.fastForward('01:00');
  assert.equal(await warning.isVisible(), false);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: /^Welkom, / }).waitFor();
  // At the end of the idle time the page logs out on the server and goes to the login,
  // saying why; the old session opens nothing after.
  const leaving = page.waitForRequest(/\/inloggen\?verlopen=1$/);
  await page.clock.runFor('15:01');
  await leaving;
  await page.getByText('U bent automatisch uitgelogd omdat u een tijd niets heeft gedaan.').waitFor();
  await checkPage(page);
  await page.goto(portal.url('siloah', '/home'));
  await page.getByRole('heading', { level: 1, name: 'Inloggen' }).waitFor();
  await page.close();
});
