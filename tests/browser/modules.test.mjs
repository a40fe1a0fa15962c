// #11, Beheer › Onderdelen and Medewerkers: Salem's administrator switches Prikbord off,
// renames Mijn dossier and moves it up the menu (the client's next page obeys, and the
// switched-off page is gone), then adds a colleague and gives her a second role.
// By the labels a person reads, axe-clean at 360 px; a portal of this file's own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, startBrowser, openPage, VIEWPORTS, checkPage, menu, signInWithSms, signInAgainWithSms, fromUserMenu } from './harness.mjs';

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

test('salem: de beheerder zet Prikbord uit, hernoemt Mijn dossier en zet het bovenaan (360px)', async () => {
  const johanna = await openPage(browser, VIEWPORTS[0]);
  await signInWithSms(portal, johanna, 'salem', 'johanna.vandenberg@example.nl', '06 5656 7878');
  await menu(johanna).getByRole('link', { name: 'Prikbord' }).waitFor();

  const page = await openPage(browser, VIEWPORTS[0]);
  await signInWithSms(portal, page, 'salem', 'beheer@example.nl', '06 3434 5656');
  await fromUserMenu(page, 'Beheer');
  await page.getByRole('link', { name: 'Onderdelen' }).click();
  await page.getByRole('heading', { level: 1, name: 'Onderdelen' }).waitFor();
  await checkPage(page);

  // An empty name is named, and nothing is saved.
  const dossier = page.getByRole('group', { name: 'Rapportages' });
  await dossier.getByLabel('Naam in het menu').fill('');
  await page.getByRole('button', { name: 'Onderdelen opslaan' }).click();
  await page.getByRole('alert').filter({ hasText: 'Er is nog niets opgeslagen' }).waitFor();
  await page.getByText('Geef Rapportages een naam van 1 tot 40 tekens.').waitFor();
  await checkPage(page);

  await page.getByRole('group', { name: 'Rapportages' }).getByLabel('Naam in het menu').fill('Dagboek');
  await page.getByRole('group', { name: 'Rapportages' }).getByLabel('Plaats in het menu').fill('2');
  await page.getByRole('group', { name: 'Mijn gegevens' }).getByLabel('Plaats in het menu').fill('3');
  await page.getByRole('group', { name: 'Prikbord' }).getByLabel('Aan').uncheck();
  await page.getByRole('button', { name: 'Onderdelen opslaan' }).click();
  await page.getByRole('status').filter({ hasText: 'De onderdelen zijn opgeslagen.' }).waitFor();
  await checkPage(page);

  // Johanna's next page: Dagboek right after Home, no Prikbord, and its address is gone.
  await johanna.reload();
  const links = await menu(johanna).getByRole('link').allTextContents();
  assert.deepEqual(links.slice(0, 3).map((t) => t.trim()), ['Home', 'Dagboek', 'Mijn gegevens']);
  assert.ok(!links.some((t) => t.trim() === 'Prikbord'), links.join(', '));
  const gone = await johanna.goto(portal.url('salem', '/prikbord'));
  assert.equal(gone.status(), 404);
  await johanna.close();
  await page.close();
});

test('salem: de beheerder maakt een collega Coördinator zorg, kiest haar cliënten en voegt een medewerker toe (1280px)', async () => {
  const page = await openPage(browser, VIEWPORTS[1]);
  // SMS was activated in the test before.
  await signInAgainWithSms(portal, page, 'salem', 'beheer@example.nl', '06 3434 5656');
  await fromUserMenu(page, 'Beheer');
  await page.getByRole('link', { name: 'Medewerkers' }).click();
  await page.getByRole('heading', { level: 1, name: 'Medewerkers' }).waitFor();
  await checkPage(page);

  // A new colleague: the role must be chosen; what was typed stays.
  await page.getByLabel('Naam', { exact: true }).fill('Sam Jansen');
  await page.getByLabel('E-mailadres').fill('sam.jansen@example.nl');
  await page.getByRole('button', { name: 'Medewerker toevoegen' }).click();
  await page.getByRole('alert').filter({ hasText: 'De medewerker is nog niet toegevoegd' }).waitFor();
  assert.equal(await page.getByLabel('E-mailadres').inputValue(), 'sam.jansen@example.nl');
  await checkPage(page);
  await page.getByRole('radio', { name: 'Functionaris gegevensbescherming' }).check();
  await page.getByRole('button', { name: 'Medewerker toevoegen' }).click();
  await page.getByRole('status').filter({ hasText: 'De uitnodiging is verstuurd naar sam.jansen@example.nl' }).waitFor();

  // Sam also works with the clients now.
  await page.getByRole('button', { name: 'Coördinator zorg maken: Sam Jansen' }).click();
  await page.getByRole('status').filter({ hasText: 'De rol is gegeven.' }).waitFor();
  await page.getByRole('button', { name: 'Coördinator zorg afnemen van Sam Jansen' }).waitFor();
  await checkPage(page);

  // Sam works with Hendrik Jansen only: the coordinator's caseload.
  await page.getByRole('link', { name: 'Cliënten van Sam Jansen' }).click();
  await page.getByRole('heading', { level: 1, name: 'Cliënten van Sam Jansen' }).waitFor();
  await checkPage(page);
  const hendrik = page.getByRole('checkbox', { name: 'Hendrik Jansen (SAL-2002)' });
  assert.equal(await hendrik.isChecked(), false, 'a new coordinator has no clients yet');
  await hendrik.check();
  await page.getByRole('button', { name: 'Cliënten opslaan' }).click();
  await page.getByRole('status').filter({ hasText: 'De coördinator ziet vanaf nu precies deze cliënten.' }).waitFor();
  assert.equal(await page.getByRole('checkbox', { name: 'Hendrik Jansen (SAL-2002)' }).isChecked(), true);
  assert.equal(await page.getByRole('checkbox', { name: 'Johanna van den Berg (SAL-2001)' }).isChecked(), false);
  await checkPage(page);
  await page.close();
});
