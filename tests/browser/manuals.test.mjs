// What the two manuals promise on every page (#15), as a person meets it on the demo data:
// the portal's address takes a signed-in person Home; the client at the top of the screen
// (with the tenant's accent border) leads Home; the name opens Mijn profiel and Uitloggen,
// by mouse and by keyboard; Mijn profiel takes and removes one's own photo; Salem's Home
// shows the next appointments, the prikbord and the messages; Meer informatie carries the
// FAQ. Zero axe and Equal Access violations, at 360 and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startPortal, startBrowser, openPage, VIEWPORTS, checkPage, menu, signInWithApp, signInAgainWithSms, fromUserMenu, totpCode, nthSms, smsCount,
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

/** A small PNG photo on disk, for the file field (a red square). */
function photoFile() {
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR4nGM4ISdHEmIY1TCqYfhqAADkYgQQ60fIxgAAAABJRU5ErkJggg==',
    'base64',
  );
  const file = join(mkdtempSync(join(tmpdir(), 'foto-')), 'ik.png');
  writeFileSync(file, png);
  return file;
}

for (const viewport of VIEWPORTS) {
  test(`siloah: de foto van de cliënt bovenin, het menu onder uw naam en Mijn profiel (${viewport.width}px)`, async () => {
    const page = await openPage(browser, viewport);
    const secret = await signInWithApp(portal, page, 'siloah', viewport === VIEWPORTS[0] ? 'ingrid.devries@example.nl' : 'thomas.devries@example.nl');

    // The portal's own address (the logo) takes a signed-in person Home, not to the welcome.
    await page.getByRole('link', { name: /^Logo van Siloah/ }).click();
    await page.getByRole('heading', { level: 1, name: /^Welkom, / }).waitFor();

    // From another page, the client at the top (initials without a photo) leads Home, and
    // wears the tenant's accent colour as its border ("een gele rand").
    await menu(page).getByRole('link', { name: 'Rapportages' }).click();
    const client = page.getByRole('link', { name: 'Home: dossier van Thomas de Vries' });
    const border = await client.evaluate((e) => getComputedStyle(e).borderTopColor);
    assert.equal(border, 'rgb(168, 116, 10)', 'Siloah\'s accent, #a8740a');
    await client.click();
    await page.getByRole('heading', { level: 1, name: /^Welkom, / }).waitFor();

    // The name opens a small menu; by keyboard: Enter opens it, Escape closes it and gives
    // the focus back to the name.
    const name = page.getByRole('button', { name: /^Ingelogd als / });
    assert.equal(await name.getAttribute('aria-expanded'), 'false');
    await name.focus();
    await page.keyboard.press('Enter');
    assert.equal(await name.getAttribute('aria-expanded'), 'true');
    const account = page.getByRole('list', { name: 'Uw account' });
    await account.getByRole('link', { name: 'Mijn profiel' }).waitFor();
    await checkPage(page);
    await page.keyboard.press('Escape');
    assert.equal(await account.isVisible(), false);
    assert.equal(await name.evaluate((e) => e === document.activeElement), true);

    // Mijn profiel: the person's own photo, chosen and removed; a wrong file is said in Dutch.
    await fromUserMenu(page, 'Mijn profiel');
    await page.getByRole('heading', { level: 1, name: 'Mijn profiel' }).waitFor();
    await page.getByText('U heeft nog geen foto.').waitFor();
    await checkPage(page);
    await page.getByLabel('Kies een foto', { exact: true }).setInputFiles({ name: 'ik.png', mimeType: 'image/png', buffer: Buffer.from('geen foto') });
    await page.getByRole('button', { name: 'Foto opslaan', exact: true }).click();
    await page.getByRole('alert').waitFor();
    await checkPage(page);
    await page.getByLabel('Kies een foto', { exact: true }).setInputFiles(photoFile());
    await page.getByRole('button', { name: 'Foto opslaan', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'De foto is opgeslagen.' }).waitFor();
    await page.getByRole('img', { name: 'Uw foto' }).waitFor();
    await checkPage(page);
    await page.getByRole('button', { name: 'Foto verwijderen', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'De foto is verwijderd.' }).waitFor();
    assert.equal(await page.getByRole('img', { name: 'Uw foto' }).count(), 0);
    // The eye on the password field here too.
    await page.getByRole('button', { name: 'Toon wachtwoord' }).waitFor();

    if (viewport === VIEWPORTS[1]) {
      // Thomas, the client, sets the photo at the top; it replaces his initials.
      await page.getByLabel('Kies een foto voor bovenin').setInputFiles(photoFile());
      await page.getByRole('button', { name: 'Foto bovenin opslaan' }).click();
      await page.getByRole('status').filter({ hasText: 'De foto is opgeslagen.' }).waitFor();
      const top = page.getByRole('link', { name: 'Home: dossier van Thomas de Vries' });
      assert.equal(await top.locator('img').count(), 1);
      // Loaded, or loading: wait for it rather than look at a picture still on its way.
      // (A broken picture is complete with no width: that fails at once.)
      const loaded = await top.locator('img').evaluate((img) => img.complete ? img.naturalWidth > 0 : new Promise((done) => {
        img.addEventListener('load', () => done(img.naturalWidth > 0));
        img.addEventListener('error', () => done(false));
      }));
      assert.ok(loaded, 'the photo shows');
      await checkPage(page);
      await page.getByRole('button', { name: 'Foto bovenin verwijderen' }).click();
      await page.getByRole('status').filter({ hasText: 'De foto is verwijderd.' }).waitFor();
    }

    // Someone who logs in with the app gives a mobile number for Bevestigingscodes: after the
    // app's code, a registration code by SMS proves the number.
    await page.getByRole('heading', { level: 2, name: 'Mobiel nummer voor bevestigingscodes' }).waitFor();
    await page.getByLabel('Mobiel nummer', { exact: true }).fill('06 55566677');
    await page.getByLabel('Code uit uw app').fill(totpCode(secret, 30));
    const seen = smsCount(portal.smsFile);
    await page.getByRole('button', { name: 'Verstuur registratiecode' }).click();
    await page.getByRole('status').filter({ hasText: 'Er is een registratiecode verstuurd naar' }).waitFor();
    await checkPage(page);
    const sms = await nthSms(portal.smsFile, seen + 1);
    await page.getByLabel('Registratiecode uit de SMS').fill(sms.body.match(/\b(\d{6})\b/)[1]);
    await page.getByRole('button', { name: 'Controleer' }).click();
    await page.getByRole('status').filter({ hasText: 'Bevestigingscodes komen nu per SMS.' }).waitFor();
    await checkPage(page);

    // Grotere letters and Makkelijk lezen: switches at the top, remembered for the person.
    await page.getByRole('link', { name: 'Home: dossier van Thomas de Vries' }).click();
    await menu(page).getByRole('link', { name: 'Rapportages' }).click();
    const size = () => page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    const before = await size();
    await page.getByRole('button', { name: 'Grotere letters' }).click();
    await page.getByRole('heading', { level: 1, name: 'Rapportages' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Grotere letters' }).getAttribute('aria-pressed'), 'true');
    assert.ok((await size()) > before * 1.15, 'the letters are bigger');
    await checkPage(page);
    await page.getByRole('button', { name: 'Makkelijk lezen' }).click();
    await page.getByText('Hier staat wat de begeleiding over u schrijft.').waitFor();
    assert.ok((await menu(page).locator('.pictogram').count()) >= 5, 'a pictogram beside the menu items');
    await page.getByRole('button', { name: 'Voorlezen' }).first().waitFor();
    await checkPage(page);
    await menu(page).getByRole('link', { name: 'Home' }).click();
    await checkPage(page);
    // Both off again, and the page is as before.
    await page.getByRole('button', { name: 'Grotere letters' }).click();
    await page.getByRole('button', { name: 'Makkelijk lezen' }).click();
    await page.getByRole('button', { name: 'Makkelijk lezen', pressed: false }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Voorlezen' }).count(), 0);

    await fromUserMenu(page, 'Uitloggen');
    await page.getByRole('heading', { level: 1, name: 'Inloggen' }).waitFor();
    await page.close();
  });

  test(`salem: Home met de komende afspraken, het prikbord en berichten; Meer informatie met de veelgestelde vragen (${viewport.width}px)`, async () => {
    const page = await openPage(browser, viewport);
    await signInAgainWithSms(portal, page, 'salem', 'johanna.vandenberg@example.nl');
    for (const heading of ['Komende afspraken', 'Nieuw op het Prikbord', 'Berichten voor u']) {
      await page.getByRole('heading', { level: 2, name: heading }).waitFor();
    }
    await checkPage(page);
    await menu(page).getByRole('link', { name: 'Meer informatie' }).click();
    await page.getByRole('heading', { level: 2, name: 'Veelgestelde vragen' }).waitFor();
    await page.getByText('Wanneer krijg ik een SMS?').click();
    await page.getByText('dan worden de cookies op uw computer steeds verwijderd').waitFor();
    await page.getByText('Ik heb een vraag over een rapportage.').click();
    await page.getByText('bij het eerstvolgende contact met de behandelaar').waitFor();
    await page.getByText('(let op: zonder trema op de e)').first().waitFor();
    await checkPage(page);
    await page.close();
  });
}
