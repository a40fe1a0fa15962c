// #11, Beheer › Toegang: the Coördinator zorg ends a representative's access ("Opzeggen
// toegang", Siloah's manual) and invites another in the freed place, and resets the second
// factor of a representative who lost her phone, after checking who she is. By the labels
// a person reads, axe-clean at 360 px; a portal of this file's own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, startBrowser, openPage, VIEWPORTS, checkPage, signInWithApp, signInWithSms, fromUserMenu } from './harness.mjs';

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

test('siloah: de Coördinator zorg zegt een toegang op, nodigt in de vrije plaats uit en stelt een e-mailadres en een tweede factor opnieuw in (360px)', async () => {
  // Ingrid has activated SMS; she will lose her phone.
  const ingrid = await openPage(browser, VIEWPORTS[0]);
  await signInWithSms(portal, ingrid, 'siloah', 'ingrid.devries@example.nl', '06 1212 3434');

  const page = await openPage(browser, VIEWPORTS[0]);
  await signInWithApp(portal, page, 'siloah', 'lisa.smit@example.nl');
  await fromUserMenu(page, 'Beheer');
  await page.getByRole('link', { name: 'Toegang tot het portaal van Thomas de Vries' }).click();
  await page.getByRole('heading', { level: 1, name: 'Toegang tot het portaal van Thomas de Vries' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Pieter de Vries' }).waitFor();
  await checkPage(page);

  // Opzeggen: not without the box ticked.
  await page.getByRole('link', { name: 'Toegang opzeggen voor Pieter de Vries' }).click();
  await page.getByRole('heading', { level: 1, name: 'Toegang opzeggen voor Pieter de Vries' }).waitFor();
  await checkPage(page);
  await page.getByRole('button', { name: 'Toegang opzeggen' }).click();
  await page.getByRole('alert').filter({ hasText: 'Vink aan dat u de toegang wilt opzeggen.' }).waitFor();
  await checkPage(page);
  await page.getByLabel('Ja, zeg de toegang van Pieter de Vries tot het portaal van Thomas de Vries op').check();
  await page.getByRole('button', { name: 'Toegang opzeggen' }).click();
  await page.getByRole('status').filter({ hasText: 'De toegang is opgezegd.' }).waitFor();
  assert.equal(await page.getByRole('heading', { level: 2, name: 'Pieter de Vries' }).count(), 0);

  // The freed place takes another representative.
  await page.getByRole('link', { name: 'Iemand uitnodigen voor Thomas de Vries' }).click();
  await page.getByRole('heading', { level: 1, name: 'Uitnodigen' }).waitFor();
  await page.getByLabel('(Wettelijk) vertegenwoordiger').check();
  await page.getByLabel('Naam', { exact: true }).fill('Marloes de Vries');
  await page.getByLabel('E-mailadres').fill('marloes.devries@example.nl');
  await page.getByRole('button', { name: 'Uitnodigen' }).click();
  await page.getByRole('status').filter({ hasText: 'De uitnodiging is verstuurd naar marloes.devries@example.nl.' }).waitFor();

  // Ingrid has a new e-mail address: changed once her identity is checked.
  await page.goto(portal.url('siloah', '/beheer/clienten/SIL-1001/toegang'));
  await page.getByRole('link', { name: 'Gegevens wijzigen van Ingrid de Vries' }).click();
  await page.getByRole('heading', { level: 1, name: 'Gegevens wijzigen van Ingrid de Vries' }).waitFor();
  await checkPage(page);
  await page.getByLabel('E-mailadres', { exact: true }).fill('ingrid.nieuw@example.nl');
  await page.getByRole('button', { name: 'Gegevens wijzigen' }).click();
  await page.getByRole('alert').filter({ hasText: 'Er is nog niets gewijzigd' }).waitFor();
  assert.equal(await page.getByLabel('E-mailadres', { exact: true }).inputValue(), 'ingrid.nieuw@example.nl');
  await checkPage(page);
  await page.getByLabel('Hoe heeft u de identiteit gecontroleerd?').fill('Gebeld op het nummer uit het ECD');
  await page.getByRole('button', { name: 'Gegevens wijzigen' }).click();
  await page.getByRole('status').filter({ hasText: 'De gegevens zijn gewijzigd.' }).waitFor();
  await page.getByText('ingrid.nieuw@example.nl').waitFor();

  // Ingrid lost her phone: her second factor goes once her identity is checked.
  await page.goto(portal.url('siloah', '/beheer/clienten/SIL-1001/toegang'));
  await page.getByRole('link', { name: 'Tweede factor opnieuw instellen voor Ingrid de Vries' }).click();
  await page.getByRole('heading', { level: 1, name: 'Tweede factor opnieuw instellen voor Ingrid de Vries' }).waitFor();
  await checkPage(page);
  await page.getByRole('button', { name: 'Tweede factor verwijderen' }).click();
  await page.getByRole('alert').filter({ hasText: 'Schrijf op hoe u de identiteit' }).waitFor();
  await checkPage(page);
  await page.getByLabel('Hoe heeft u de identiteit gecontroleerd?').fill('Teruggebeld op het nummer uit het ECD');
  await page.getByRole('button', { name: 'Tweede factor verwijderen' }).click();
  await page.getByRole('status').filter({ hasText: 'De tweede factor is verwijderd' }).waitFor();
  await checkPage(page);

  // Accounts: found by a piece of the name, with the clients reached.
  await page.getByRole('link', { name: 'Accounts' }).click();
  await page.getByLabel('Zoek op naam of e-mailadres').fill('vries');
  await page.getByRole('button', { name: 'Zoeken' }).click();
  await page.getByRole('heading', { level: 3, name: 'Ingrid de Vries' }).waitFor();
  await checkPage(page);
  await page.getByRole('link', { name: 'Thomas de Vries SIL-1001: toegang' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Toegang tot het portaal van Thomas de Vries' }).waitFor();

  // Einde zorg: a wrong date is named and kept; then Thomas's Home says when access stops.
  await page.getByLabel('Laatste dag van de zorg').fill('31-02-2026');
  await page.getByRole('button', { name: 'Einde zorg opslaan' }).click();
  await page.getByRole('alert').waitFor();
  assert.equal(await page.getByLabel('Laatste dag van de zorg').inputValue(), '31-02-2026');
  await checkPage(page);
  await page.getByLabel('Laatste dag van de zorg').fill('20-11-2026');
  await page.getByRole('button', { name: 'Einde zorg opslaan' }).click();
  await page.getByRole('status').filter({ hasText: 'Het einde van de zorg is opgeslagen.' }).waitFor();
  await page.getByText('De toegang tot het portaal stopt op').waitFor();
  await checkPage(page);
  const thomas = await openPage(browser, VIEWPORTS[0]);
  await signInWithApp(portal, thomas, 'siloah', 'thomas.devries@example.nl');
  await thomas.getByRole('heading', { level: 2, name: 'De zorg is beëindigd' }).waitFor();
  await thomas.getByText('Uw toegang tot dit dossier stopt op').waitFor();
  await checkPage(thomas);
  await thomas.close();

  // Ingrid is signed out; her next login asks her to activate a second factor again.
  await ingrid.reload();
  await ingrid.getByRole('heading', { level: 1, name: 'Inloggen' }).waitFor();
  await ingrid.close();
  await page.close();
});
