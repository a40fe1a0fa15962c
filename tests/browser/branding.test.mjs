// #11, Beheer › Huisstijl: Salem's administrator changes the main colour. A light yellow
// under white text is refused with its contrast ratio and what was typed kept; a dark green
// is shown in the preview first and then saved, and the portal's own header takes it; a
// logo with script is refused and a clean one served at once.
// By the labels a person reads, axe-clean at 360 and 1280 px; a portal of this file's own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, startBrowser, openPage, VIEWPORTS, checkPage, signInWithSms, fromUserMenu } from './harness.mjs';

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

const background = (locator) => locator.evaluate((el) => getComputedStyle(el).backgroundColor);

test('salem: de beheerder wijzigt de hoofdkleur (te weinig contrast geweigerd) en het logo (360 en 1280px)', async () => {
  const page = await openPage(browser, VIEWPORTS[0]);
  await signInWithSms(portal, page, 'salem', 'beheer@example.nl', '06 3434 5656');
  await fromUserMenu(page, 'Beheer');
  await page.getByRole('link', { name: 'Huisstijl' }).click();
  await page.getByRole('heading', { level: 1, name: 'Huisstijl' }).waitFor();
  await checkPage(page);

  // Too light for white text: refused, the ratio shown, what was typed kept.
  await page.getByLabel('Hoofdkleur').fill('#f5e663');
  await page.getByLabel('Bereikbaar').fill('elke werkdag van 9 tot 17 uur');
  await page.getByRole('button', { name: 'Huisstijl opslaan' }).click();
  await page.getByRole('alert').filter({ hasText: 'Er is nog niets opgeslagen.' }).waitFor();
  await page.getByText(/^Te weinig contrast voor witte tekst op de hoofdkleur/).waitFor();
  assert.equal(await page.getByLabel('Hoofdkleur').inputValue(), '#f5e663');
  assert.equal(await page.getByLabel('Bereikbaar').inputValue(), 'elke werkdag van 9 tot 17 uur');
  const pair = page.getByRole('listitem').filter({ hasText: 'Witte tekst op de hoofdkleur' });
  assert.match(await pair.innerText(), /1,\d\d:1, nodig is 4,5:1\. Te weinig\./);
  await checkPage(page);

  // A dark green: first the preview, then saved.
  await page.getByLabel('Hoofdkleur').fill('#1b5e20');
  await page.getByRole('button', { name: 'Voorbeeld bekijken' }).click();
  await page.getByRole('status').filter({ hasText: 'Er is nog niets opgeslagen.' }).waitFor();
  const preview = page.getByRole('region', { name: 'Voorbeeld' });
  assert.equal(await background(preview.getByText('Een knop')), 'rgb(27, 94, 32)');
  assert.notEqual(await background(page.getByRole('banner')), 'rgb(27, 94, 32)', 'the portal itself not yet');
  await checkPage(page);
  await page.getByRole('button', { name: 'Huisstijl opslaan' }).click();
  await page.getByRole('status').filter({ hasText: 'De huisstijl is opgeslagen.' }).waitFor();
  assert.equal(await background(page.getByRole('banner')), 'rgb(27, 94, 32)');
  await checkPage(page);
  const cookies = await page.context().cookies();
  await page.close();

  // Wide, opened again: what was saved, in the portal's own colour.
  const wide = await openPage(browser, VIEWPORTS[1]);
  await wide.context().addCookies(cookies);
  await wide.goto(portal.url('salem', '/beheer/huisstijl'));
  await wide.getByRole('heading', { level: 1, name: 'Huisstijl' }).waitFor();
  assert.equal(await wide.getByLabel('Hoofdkleur').inputValue(), '#1b5e20');
  assert.equal(await wide.getByLabel('Bereikbaar').inputValue(), 'elke werkdag van 9 tot 17 uur');
  assert.equal(await background(wide.getByRole('banner')), 'rgb(27, 94, 32)');
  await checkPage(wide);

  // A logo with script is refused with the reason; a clean one is the new logo at once.
  const logo = (body) => ({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(body) });
  await wide.getByLabel('Nieuw logo (SVG)').setInputFiles(logo('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'));
  await wide.getByRole('button', { name: 'Logo opslaan' }).click();
  await wide.getByRole('alert').filter({ hasText: 'Het logo bevat <script en dat mag niet in een SVG.' }).waitFor();
  await checkPage(wide);
  const clean = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 10"><title>Salem</title><rect width="40" height="10" fill="#1b5e20"/></svg>';
  await wide.getByLabel('Nieuw logo (SVG)').setInputFiles(logo(clean));
  await wide.getByRole('button', { name: 'Logo opslaan' }).click();
  await wide.getByRole('status').filter({ hasText: 'Het logo is opgeslagen.' }).waitFor();
  // The address the page itself shows the logo at.
  const src = await wide.getByRole('img', { name: /^Het logo nu/ }).getAttribute('src');
  assert.equal(await wide.evaluate((at) => fetch(at).then((r) => r.text()), src), clean);
  await checkPage(wide);
  await wide.close();
});
