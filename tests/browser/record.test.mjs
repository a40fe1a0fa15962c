// The care record as a person uses it, on the demo data: Siloah's client and representative
// walk every module that has pages, find things by the manual's words, and every page has
// zero axe violations and no sideways scrolling at 360 and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, startBrowser, openPage, VIEWPORTS, checkPage, menu, signInWithApp } from './harness.mjs';

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

/** A calendar day in Amsterdam, `daysAgo` days before today, as a date field takes it. */
function dayInAmsterdam(daysAgo) {
  const when = new Date(Date.now() - daysAgo * 24 * 3600 * 1000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(when);
}

const signIn = (page, username) => signInWithApp(portal, page, 'siloah', username);

const PEOPLE = [
  { viewport: VIEWPORTS[0], username: 'ingrid.devries@example.nl', name: 'Ingrid de Vries', as: ' (vertegenwoordiger)' },
  { viewport: VIEWPORTS[1], username: 'thomas.devries@example.nl', name: 'Thomas de Vries', as: '' },
];

for (const person of PEOPLE) {
  test(`siloah: ${person.name} gebruikt elk onderdeel van het dossier (${person.viewport.width}px)`, async () => {
    const page = await openPage(browser, person.viewport);
    await signIn(page, person.username);

    // Home: whose record, the latest reports, the messages.
    const banner = page.getByText(/^Dossier van /);
    assert.equal((await banner.innerText()).replace(/\s+/g, ' ').trim(),
      `Dossier van Thomas de Vries — ingelogd als ${person.name}${person.as}`);
    await page.getByText('Thomas heeft goed geslapen').first().waitFor();
    await checkPage(page);

    // Rapportages: the periods and their boundaries.
    await menu(page).getByRole('link', { name: 'Rapportages' }).click();
    await page.getByRole('heading', { level: 1, name: 'Rapportages' }).waitFor();
    await checkPage(page);
    await page.getByRole('link', { name: 'Afgelopen week' }).click();
    await page.getByRole('heading', { level: 2, name: /^Rapportages van / }).waitFor();
    assert.ok(await page.getByText('Bezoek van moeder').isVisible(), 'four days ago is in the past week');
    assert.equal(await page.getByText('Wandeling naar de markt').count(), 0, 'nine days ago is not');
    await page.getByText('Periode kiezen…').click();
    await page.getByLabel('Van', { exact: true }).fill(dayInAmsterdam(9));
    await page.getByLabel('Tot en met', { exact: true }).fill(dayInAmsterdam(9));
    await page.getByRole('button', { name: 'Toon rapportages' }).click();
    await page.getByText('Wandeling naar de markt').waitFor();
    assert.equal(await page.getByText('Bezoek van moeder').count(), 0);
    await checkPage(page);
    // A period that ends before it starts: a clear message, the dates kept.
    await page.getByLabel('Van', { exact: true }).fill(dayInAmsterdam(1));
    await page.getByLabel('Tot en met', { exact: true }).fill(dayInAmsterdam(9));
    await page.getByRole('button', { name: 'Toon rapportages' }).click();
    await page.getByRole('alert').filter({ hasText: 'De einddatum ligt vóór de begindatum' }).waitFor();
    assert.equal(await page.getByLabel('Van', { exact: true }).inputValue(), dayInAmsterdam(1));
    await checkPage(page);

    // Nieuwe rapportage.
    await page.getByRole('link', { name: '+ Nieuwe rapportage' }).click();
    await page.getByRole('heading', { level: 1, name: 'Nieuwe rapportage' }).waitFor();
    await checkPage(page);
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByText('Schrijf eerst uw rapportage in het tekstveld.').waitFor();
    const note = `Op bezoek geweest bij Thomas (${person.viewport.width}px); hij was vrolijk.`;
    await page.getByLabel('Uw rapportage').fill(note);
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('status').filter({ hasText: 'Uw rapportage is opgeslagen' }).waitFor();
    assert.ok(await page.getByText(note).isVisible());

    // Metingen, as the manual shows them, and a new one.
    await menu(page).getByRole('link', { name: 'Metingen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Metingen' }).waitFor();
    await checkPage(page);
    await page.getByRole('link', { name: 'Nieuwe meting' }).click();
    await page.getByLabel('Meetsoort').selectOption('Temperatuur');
    await page.getByLabel('Waarde').fill('37,5');
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await page.getByText('Kies hoe er gemeten is.').waitFor();
    assert.equal(await page.getByLabel('Waarde').inputValue(), '37,5', 'what was typed is kept');
    await checkPage(page);
    await page.getByLabel('Manier van meten').selectOption('Oor');
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await page.getByRole('status').filter({ hasText: 'Uw meting is opgeslagen' }).waitFor();
    assert.ok(await page.getByText('37,5 °C (Oor)').first().isVisible());
    await page.getByRole('link', { name: 'Alle metingen' }).click();
    await page.getByRole('link', { name: 'Gewicht', exact: true }).click();
    await page.getByRole('img', { name: /^Verloop van gewicht/ }).waitFor();
    assert.ok(await page.getByText('56,0 kg').first().isVisible());
    assert.equal(await page.getByText('39,1 °C (Rectaal)', { exact: true }).count(), 0, 'only the chosen meetsoort');
    await checkPage(page);
    await page.getByRole('link', { name: 'Temperatuur', exact: true }).click();
    assert.ok(await page.getByText('39,1 °C (Rectaal)', { exact: true }).isVisible());
    assert.ok(await page.getByText('Ma 24 apr 2023 | 06:00').isVisible());

    // Toestemmingen.
    await menu(page).getByRole('link', { name: 'Toestemmingen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Toestemmingen' }).waitFor();
    await checkPage(page);
    const research = page.getByRole('group', { name: 'Ik wil meedoen aan wetenschappelijk onderzoek naar de zorg.' });
    // Whatever the answer was, give the other one.
    const answer = (await research.getByLabel('Ja').isChecked()) ? 'Nee' : 'Ja';
    await research.getByLabel(answer).check();
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await page.getByRole('status').filter({ hasText: 'Uw keuze is opgeslagen' }).waitFor();
    assert.ok(await research.getByLabel(answer).isChecked());
    await page.getByRole('listitem').filter({ hasText: `${answer}, door ${person.name}${person.as}` }).first().waitFor();
    await checkPage(page);

    // Berichten: from the home page, then all of them.
    await menu(page).getByRole('link', { name: 'Home' }).click();
    const message = `Kan Thomas zaterdag mee naar de markt? (${person.viewport.width}px)`;
    await page.getByLabel('Uw bericht aan de Coördinator zorg').fill(message);
    await page.getByRole('button', { name: 'Stuur' }).click();
    await page.getByRole('status').filter({ hasText: 'Uw bericht is verstuurd aan de Coördinator zorg' }).waitFor();
    assert.ok(await page.getByText(message).isVisible());
    await page.getByRole('link', { name: 'Alle berichten' }).click();
    await page.getByRole('heading', { level: 1, name: 'Alle berichten' }).waitFor();
    assert.ok(await page.getByText('Dag Ingrid, dat kan.').isVisible());
    await checkPage(page);

    // Persoonsbeeld and Vragen.
    await menu(page).getByRole('link', { name: 'Persoonsbeeld' }).click();
    await page.getByRole('heading', { level: 2, name: 'Wie ben ik' }).waitFor();
    await checkPage(page);
    await menu(page).getByRole('link', { name: 'Vragen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Vragen' }).waitFor();
    assert.ok(await page.getByRole('main').getByRole('link', { name: 'servicedesk@sirjon.nl' }).isVisible());
    await checkPage(page);
    await page.close();
  });
}

test('siloah: een vertegenwoordiger van twee cliënten wisselt van dossier', async () => {
  const page = await openPage(browser, VIEWPORTS[0]);
  await signIn(page, 'marco.bakker@example.nl');
  const banner = page.getByText(/^Dossier van /);
  const first = (await banner.innerText()).includes('Sanne Bakker') ? 'Sanne Bakker' : 'Daan Bakker';
  const other = first === 'Sanne Bakker' ? 'Daan Bakker' : 'Sanne Bakker';
  await checkPage(page);
  await page.getByLabel('Ander dossier').selectOption({ label: other });
  await page.getByRole('button', { name: 'Wissel' }).click();
  await page.getByText(/^Dossier van /).filter({ hasText: `Dossier van ${other}` }).waitFor();
  await menu(page).getByRole('link', { name: 'Rapportages' }).click();
  assert.ok((await page.getByText(/^Dossier van /).innerText()).includes(other), 'the choice holds on every page');
  await checkPage(page);
  await page.close();
});

test('siloah: een adres zonder recht of van een uitgeschakeld onderdeel geeft niets prijs', async () => {
  const page = await openPage(browser, VIEWPORTS[1]);
  await signIn(page, 'fatima.elamrani@example.nl');
  // Siloah has no agenda; its address is as unknown as any other.
  const response = await page.goto(portal.url('siloah', '/agenda'));
  assert.equal(response.status(), 404);
  await page.getByRole('heading', { level: 1, name: 'Pagina niet gevonden' }).waitFor();
  await checkPage(page);
  await page.close();
});
