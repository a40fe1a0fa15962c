// Salem's network: the client sets a contact person's rights in Beheer instellingen and that
// person's next page view obeys them; Mijn gegevens and the contact list. Fields by their
// Dutch labels, zero axe violations at 360 and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startPortal, startBrowser, openPage, VIEWPORTS, nthSms, smsCount, checkPage, menu,
  signInWithSms as firstSignIn, signInAgainWithSms as signInAgain,
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

const signInWithSms = (page, username, number) => firstSignIn(portal, page, 'salem', username, number);
const signInAgainWithSms = (page, username) => signInAgain(portal, page, 'salem', username);

test('salem: de cliënt geeft een contactpersoon rechten en neemt ze weer af (360 en 1280px)', async () => {
  const johanna = await openPage(browser, VIEWPORTS[1]);
  await signInWithSms(johanna, 'johanna.vandenberg@example.nl', '06 1212 3434');
  const kees = await openPage(browser, VIEWPORTS[0]);
  await signInWithSms(kees, 'kees.visser@example.nl', '06 5656 7878');

  // Kees holds only what Johanna gave him (reading the prikbord): no Mijn dossier.
  assert.equal(await menu(kees).getByRole('link', { name: 'Mijn dossier' }).count(), 0);
  await checkPage(kees);

  // Johanna's Mijn gegevens and the contact list.
  await menu(johanna).getByRole('link', { name: 'Mijn gegevens' }).click();
  await johanna.getByText('Voor het wijzigen van gegevens kunt u contact opnemen').waitFor();
  await checkPage(johanna);
  await menu(johanna).getByRole('link', { name: 'Contactpersonen' }).click();
  const people = await johanna.getByRole('list', { name: 'Wie toegang heeft' }).getByRole('listitem').allInnerTexts();
  const names = people.map((text) => text.split('\n')[0].trim());
  assert.deepEqual(names, ['Johanna van den Berg', 'Willem van den Berg', 'Anneke Visser', 'Kees Visser']);
  await checkPage(johanna);

  // Beheer instellingen: the manual's warning, then the right to read the dossier.
  await menu(johanna).getByRole('link', { name: 'Beheer instellingen' }).click();
  await johanna.getByText('Geef niet iedereen automatisch alle rechten.').waitFor();
  await checkPage(johanna);
  const rights = johanna.getByRole('group', { name: 'Rechten van Kees Visser' });
  await rights.getByLabel('Mijn dossier inzien (rapportages)').check();
  await johanna.getByRole('button', { name: 'Opslaan: rechten van Kees Visser' }).click();
  await johanna.getByRole('status').filter({ hasText: 'De rechten van Kees Visser zijn opgeslagen.' }).waitFor();
  assert.ok(await rights.getByLabel('Mijn dossier inzien (rapportages)').isChecked());

  // Kees's next page view obeys.
  await kees.reload();
  await menu(kees).getByRole('link', { name: 'Mijn dossier' }).click();
  await kees.getByRole('heading', { level: 1, name: 'Mijn dossier' }).waitFor();
  await kees.getByText('Mevrouw heeft met smaak ontbeten').waitFor();
  await checkPage(kees);

  // Withdrawn: gone from the menu, and the address is unknown.
  await rights.getByLabel('Mijn dossier inzien (rapportages)').uncheck();
  await johanna.getByRole('button', { name: 'Opslaan: rechten van Kees Visser' }).click();
  await johanna.getByRole('status').filter({ hasText: 'De rechten van Kees Visser zijn opgeslagen.' }).waitFor();
  const response = await kees.goto(portal.url('salem', '/rapportages'));
  assert.equal(response.status(), 404);
  await kees.goto(portal.url('salem', '/home'));
  assert.equal(await menu(kees).getByRole('link', { name: 'Mijn dossier' }).count(), 0);
  await johanna.close();
  await kees.close();
});

for (const viewport of VIEWPORTS) {
  test(`salem: een afspraak eerst privé, dan Openbaar, dan verwijderd (${viewport.width}px)`, async () => {
    const page = await openPage(browser, viewport);
    const [username, number, title] = viewport.width < 400
      ? ['anneke.visser@example.nl', '06 2323 4545', 'Bingo']
      : ['johanna.vandenberg@example.nl', '06 1212 3434', 'Koffie met Anneke'];
    if (viewport.width < 400) {
      // Anneke may not use the agenda: Johanna gave her messages and the prikbord only.
      await signInWithSms(page, username, number);
      const response = await page.goto(portal.url('salem', '/agenda'));
      assert.equal(response.status(), 404);
      await page.close();
      return;
    }
    // Johanna activated SMS in the first test; this is another device, so Salem asks a code.
    await signInAgainWithSms(page, username);

    await menu(page).getByRole('link', { name: 'Mijn agenda' }).click();
    await page.getByRole('heading', { level: 1, name: 'Mijn agenda' }).waitFor();
    assert.ok(await page.getByText('Fysiotherapie').isVisible(), 'care appointments from the ECD');
    await checkPage(page);
    await page.getByRole('link', { name: 'Nieuwe afspraak' }).click();
    await page.getByLabel('Titel').fill(title);
    await page.getByLabel('Begintijd').fill('16:00');
    await page.getByLabel('Eindtijd').fill('15:00');
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await page.getByText('De afspraak moet eindigen na het begin.').waitFor();
    assert.equal(await page.getByLabel('Titel').inputValue(), title);
    await checkPage(page);
    await page.getByLabel('Eindtijd').fill('17:00');
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await page.getByRole('status').filter({ hasText: 'De afspraak is opgeslagen.' }).waitFor();
    const item = page.getByRole('listitem').filter({ hasText: title });
    await item.getByText('Privé').waitFor();

    await page.getByRole('link', { name: `Wijzigen: ${title} om 16:00–17:00` }).click();
    await page.getByLabel('Openbaar').check();
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await item.getByText('Openbaar').waitFor();
    await page.getByRole('link', { name: 'Week', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: /^Week van / }).waitFor();
    const days = page.getByRole('region', { name: /^(Maandag|Dinsdag|Woensdag|Donderdag|Vrijdag|Zaterdag|Zondag) / });
    assert.equal(await days.count(), 7);
    await checkPage(page);
    await page.getByRole('link', { name: 'Lijst', exact: true }).click();

    await page.getByRole('link', { name: `Verwijderen: ${title} om 16:00–17:00` }).click();
    await page.getByText('Weet u zeker dat u deze afspraak wilt verwijderen?').waitFor();
    await checkPage(page);
    await page.getByRole('button', { name: 'Verwijderen' }).click();
    await page.getByRole('status').filter({ hasText: 'De afspraak is verwijderd.' }).waitFor();
    assert.equal(await page.getByText(title).count(), 0);
    await page.close();
  });
}

// A tiny valid PNG (1×1), as a person might pick from their phone.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

test('salem: een prikbordbericht met een foto en een reactie (360px), gelezen door wie alleen mag lezen (1280px)', async () => {
  const willem = await openPage(browser, VIEWPORTS[0]);
  await signInWithSms(willem, 'willem.vandenberg@example.nl', '06 9090 1010');
  await menu(willem).getByRole('link', { name: 'Prikbord' }).click();
  await willem.getByRole('heading', { level: 1, name: 'Prikbord' }).waitFor();
  await willem.getByRole('img', { name: 'Foto bij het bericht van Anneke Visser (contactpersoon)' }).waitFor();
  await checkPage(willem);

  await willem.getByLabel('Reactie op het bericht van Anneke Visser (contactpersoon)').fill('Mooi gedaan, jongens!');
  await willem.getByRole('button', { name: /^Reageer op het bericht van Anneke Visser/ }).click();
  await willem.getByText('Mooi gedaan, jongens!').waitFor();

  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const file = join(mkdtempSync(join(tmpdir(), 'foto-')), 'zonsondergang.png');
  writeFileSync(file, PNG);
  await willem.getByLabel('Uw bericht').fill('Zonsondergang vanaf het balkon');
  await willem.getByLabel('Foto (niet verplicht)').setInputFiles(file);
  await willem.getByRole('button', { name: 'Plaatsen' }).click();
  await willem.getByText('Zonsondergang vanaf het balkon').waitFor();
  const photo = willem.getByRole('article').filter({ hasText: 'Zonsondergang vanaf het balkon' })
    .getByRole('img', { name: 'Foto bij het bericht van Willem van den Berg (contactpersoon)' });
  await photo.waitFor();
  assert.ok(await photo.evaluate((img) => img.complete && img.naturalWidth === 1), 'the photo loads');
  await checkPage(willem);

  // Mijn berichten: a message to his mother, seen by the two of them only.
  await menu(willem).getByRole('link', { name: 'Mijn berichten' }).click();
  await willem.getByText('Kom je zondag op de koffie?').waitFor();
  await checkPage(willem);
  await willem.getByLabel('Aan').selectOption({ label: 'Johanna van den Berg' });
  await willem.getByRole('button', { name: 'Stuur' }).click();
  await willem.getByText('Typ eerst uw bericht.').waitFor();
  await willem.getByLabel('Uw bericht').fill('Ik neem taart mee!');
  await willem.getByRole('button', { name: 'Stuur' }).click();
  await willem.getByRole('status').filter({ hasText: 'Uw bericht is verstuurd.' }).waitFor();
  await willem.getByText('Willem van den Berg aan Johanna van den Berg').first().waitFor();

  // He removes his own post, after confirming.
  await menu(willem).getByRole('link', { name: 'Prikbord' }).click();
  await willem.getByRole('article').filter({ hasText: 'Zonsondergang vanaf het balkon' })
    .getByRole('link', { name: /^Verwijderen: bericht van Willem/ }).click();
  await willem.getByText('Weet u zeker dat u dit bericht wilt verwijderen?').waitFor();
  await checkPage(willem);
  await willem.getByRole('button', { name: 'Verwijderen' }).click();
  await willem.getByRole('heading', { level: 1, name: 'Prikbord' }).waitFor();
  assert.equal(await willem.getByText('Zonsondergang vanaf het balkon').count(), 0);
  await willem.close();

  // Kees may read the prikbord only.
  const kees = await openPage(browser, VIEWPORTS[1]);
  await signInAgainWithSms(kees, 'kees.visser@example.nl');
  await menu(kees).getByRole('link', { name: 'Prikbord' }).click();
  await kees.getByText('De kleinkinderen hebben een tekening voor oma gemaakt!').waitFor();
  assert.ok(await kees.getByText('Mooi gedaan, jongens!').isVisible());
  assert.equal(await kees.getByRole('button', { name: 'Plaatsen' }).count(), 0);
  assert.equal(await kees.getByRole('button', { name: /^Reageer/ }).count(), 0);
  await checkPage(kees);
  await kees.close();
});

for (const viewport of VIEWPORTS) {
  test(`salem: een vragenlijst als concept bewaard en later verstuurd (${viewport.width}px)`, async () => {
    const page = await openPage(browser, viewport);
    await signInAgainWithSms(page, 'johanna.vandenberg@example.nl');
    await menu(page).getByRole('link', { name: 'Vragenlijsten' }).click();
    await page.getByRole('heading', { level: 1, name: 'Vragenlijsten' }).waitFor();
    await checkPage(page);
    await page.getByRole('link', { name: 'Tevredenheid over wonen en zorg' }).click();
    await page.getByRole('heading', { level: 1, name: 'Tevredenheid over wonen en zorg' }).waitFor();
    await checkPage(page);
    if (viewport.width < 400) {
      // The first visit keeps a draft.
      await page.getByRole('group', { name: 'Hoe tevreden bent u over de zorg die u krijgt?' }).getByLabel('Tevreden', { exact: true }).check();
      await page.getByLabel('Wat zou u graag anders zien? (niet verplicht)').fill('Vaker samen naar buiten.');
      await page.getByRole('button', { name: 'Concept opslaan' }).click();
      await page.getByRole('status').filter({ hasText: 'als concept opgeslagen' }).waitFor();
      // Sending without the second required answer: refused, nothing lost.
      await page.getByRole('button', { name: 'Versturen' }).click();
      await page.getByText('Beantwoord deze vraag.').waitFor();
      assert.equal(await page.getByLabel('Wat zou u graag anders zien? (niet verplicht)').inputValue(), 'Vaker samen naar buiten.');
      await checkPage(page);
    } else {
      // The next visit finds the draft and sends it.
      assert.equal(await page.getByLabel('Wat zou u graag anders zien? (niet verplicht)').inputValue(), 'Vaker samen naar buiten.');
      await page.getByRole('group', { name: 'Hoe tevreden bent u over het eten?' }).getByLabel('Neutraal').check();
      await page.getByRole('button', { name: 'Versturen' }).click();
      await page.getByRole('status').filter({ hasText: 'Uw antwoorden zijn verstuurd.' }).waitFor();
      await page.getByText(/^Verstuurd op /).waitFor();
      await checkPage(page);
    }
    await page.close();
  });
}
