// Begeleidingsplanafdrukken as the Siloah manual describes them: a plan waiting on the home
// page, Afkeuren with a Bevestigingscode and a Reden voor afwijzing, Ondertekenen of a plan
// the coordinator offers next, the Handtekeningenblad, Evaluaties, Facturen and the reports
// Download, every PDF read back with pdftotext. Zero axe violations at 360 and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startPortal, startBrowser, openPage, VIEWPORTS, nthSms, smsCount, pdfText, fetchLinked, fetchInPage, checkPage, menu,
  signInWithSms as firstSignIn, daysAgo, pdfFile,
} from './harness.mjs';

/** The date of the corrected print: recent, so it falls under "Laatste jaar" in any year. */
const corrected = daysAgo(9);

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

const signInWithSms = (page, username, number) => firstSignIn(portal, page, 'siloah', username, number);

/** Clicks a button that sends a Bevestigingscode and returns the code's six digits. */
async function codeAfter(page, buttonName) {
  const seen = smsCount(portal.smsFile);
  await page.getByRole('button', { name: buttonName, exact: true }).click();
  const sms = await nthSms(portal.smsFile, seen + 1);
  assert.match(sms.body, /bevestigingscode/);
  assert.doesNotMatch(sms.body, /begeleidingsplan|Thomas/, 'no care data in an SMS');
  const [, prefix, digits] = sms.body.match(/(\d{4})-(\d{6})/);
  await page.getByRole('status').filter({ hasText: `De code begint met "${prefix}"` }).waitFor();
  return digits;
}

test('siloah: een begeleidingsplan afkeuren, een volgend ondertekenen met een SMS-code (360px)', async () => {
  const page = await openPage(browser, VIEWPORTS[0]);
  await signInWithSms(page, 'pieter.devries@example.nl', '06 1234 5678');

  // The demo has a print waiting; the home page says so.
  await page.getByRole('heading', { level: 2, name: 'Begeleidingsplanafdruk klaar om te ondertekenen' }).waitFor();
  await checkPage(page);
  await page.getByRole('link', { name: 'Lezen en ondertekenen' }).click();
  await page.getByRole('heading', { level: 1, name: 'Ondertekenen van begeleidingsplanafdruk' }).waitFor();
  const print = await fetchLinked(page, page.getByRole('link', { name: /^Begeleidingsplanafdruk lezen/ }));
  assert.equal(print.type, 'application/pdf');
  assert.match(pdfText(print.body), /Begeleidingsplan van Thomas de Vries/);
  await checkPage(page);

  // Afkeuren: the code, and a reason is required.
  const rejectCode = await codeAfter(page, 'Afkeuren');
  await checkPage(page);
  await page.getByLabel('Bevestigingscode').fill(rejectCode);
  await page.getByRole('button', { name: 'Ok' }).click();
  await page.getByText('Geef beknopt de reden op waarom u niet akkoord gaat.').waitFor();
  assert.equal(await page.getByLabel('Reden voor afwijzing').inputValue(), '');
  await page.getByLabel('Bevestigingscode').fill(rejectCode);
  await page.getByLabel('Reden voor afwijzing').fill('De afspraken over de medicatie kloppen niet meer.');
  await page.getByRole('button', { name: 'Ok' }).click();
  await page.getByRole('status').filter({ hasText: 'U heeft het begeleidingsplan afgekeurd' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Lezen en ondertekenen' }).count(), 0, 'nothing waits any more');

  // The coordinator offers a corrected print.
  const file = join(mkdtempSync(join(tmpdir(), 'plan-')), 'plan.pdf');
  writeFileSync(file, print.body);
  portal.cli(['plan', 'offer', '--tenant', 'siloah', '--client', 'SIL-1001', '--file', file, '--date', corrected.iso, '--by', 'Lisa Smit']);
  await page.reload();
  await page.getByRole('link', { name: 'Lezen en ondertekenen' }).click();
  await page.getByRole('heading', { level: 2, name: `Begeleidingsplanafdruk van ${corrected.dutch}` }).waitFor();
  // A code left too long expires (aged in the database, as five minutes would age it).
  const lateCode = await codeAfter(page, 'Ondertekenen');
  assert.equal(portal.sql("UPDATE one_time_codes SET expires_at = '2000-01-01T00:00:00+00:00' WHERE purpose = 'sign' AND used_at IS NULL"), '1');
  await page.getByLabel('Bevestigingscode').fill(lateCode);
  await page.getByRole('button', { name: 'Ok' }).click();
  await page.getByText('Deze code is verlopen of al gebruikt.').waitFor();
  await checkPage(page);
  const signCode = await codeAfter(page, 'Nieuwe code aanvragen');
  await page.getByLabel('Bevestigingscode').fill('000000');
  await page.getByRole('button', { name: 'Ok' }).click();
  await page.getByText('Deze code klopt niet.').waitFor();
  await checkPage(page);
  await page.getByLabel('Bevestigingscode').fill(signCode);
  await page.getByRole('button', { name: 'Ok' }).click();
  await page.getByRole('status').filter({ hasText: 'Het begeleidingsplan is ondertekend.' }).waitFor();

  // Begeleidingsplanafdrukken: the latest signed print and its Handtekeningenblad.
  await menu(page).getByRole('link', { name: 'Begeleidingsplanafdrukken' }).click();
  await page.getByRole('heading', { level: 3, name: `Begeleidingsplanafdruk van ${corrected.dutch}` }).waitFor();
  await checkPage(page);
  // The manual: a print "opent dan in een nieuw scherm als PDF-document", and says so.
  const sheetLink = page.getByRole('article', { name: `Begeleidingsplanafdruk van ${corrected.dutch}` })
    .getByRole('link', { name: /^Handtekeningenblad.*opent in een nieuw scherm/ });
  assert.equal(await sheetLink.getAttribute('target'), '_blank');
  const sheet = await fetchLinked(page, sheetLink);
  const sheetText = pdfText(sheet.body);
  for (const expected of ['Siloah', 'Handtekeningenblad', 'Ondertekend', 'Pieter de Vries (vertegenwoordiger)', 'Bevestigingscode per SMS naar', 'SHA-256']) {
    assert.ok(sheetText.includes(expected), `${expected} missing from the sheet:\n${sheetText}`);
  }
  assert.ok(!sheetText.includes('12345678'), 'the number is masked');

  await page.getByRole('link', { name: 'Alle begeleidingsplanafdrukken' }).click();
  await page.getByRole('link', { name: 'Allemaal' }).click();
  await page.getByText('Deze begeleidingsplanafdruk is op maandag 1 mei 2023 ondertekend.').waitFor();
  assert.ok(await page.getByRole('heading', { name: 'Begeleidingsplanafdruk van woensdag 27 oktober 2021' }).isVisible());
  await checkPage(page);
  await page.getByRole('link', { name: 'Laatste jaar' }).click();
  await page.getByRole('heading', { level: 3, name: `Begeleidingsplanafdruk van ${corrected.dutch}` }).waitFor();
  assert.equal(await page.getByText('1 mei 2023').count(), 0, 'the last year only');
  await page.close();
});

for (const viewport of VIEWPORTS) {
  test(`siloah: evaluaties, facturen en rapportages als PDF (${viewport.width}px)`, async () => {
    const page = await openPage(browser, viewport);
    const username = viewport.width < 400 ? 'thomas.devries@example.nl' : 'ingrid.devries@example.nl';
    const number = viewport.width < 400 ? '06 2222 3333' : '06 4444 5555';
    await signInWithSms(page, username, number);

    // A print offered, read, Ondertekenen chosen, then Annuleer: it stays open.
    portal.cli(['plan', 'offer', '--tenant', 'siloah', '--client', 'SIL-1001', '--file', pdfFile('Begeleidingsplan van Thomas de Vries'), '--date', daysAgo(10).iso]);
    await page.reload();
    await page.getByRole('link', { name: 'Lezen en ondertekenen' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Ondertekenen van begeleidingsplanafdruk' }).waitFor();
    await checkPage(page);
    await codeAfter(page, 'Ondertekenen');
    await checkPage(page);
    await page.getByRole('link', { name: 'Annuleer' }).click();
    await page.getByRole('heading', { level: 1, name: /^Welkom, / }).waitFor();
    assert.ok((await page.getByRole('link', { name: 'Lezen en ondertekenen' }).count()) >= 1, 'Annuleer leaves it open');
    await menu(page).getByRole('link', { name: 'Begeleidingsplanafdrukken' }).click();
    await page.getByRole('heading', { level: 2, name: 'Klaar om te ondertekenen' }).waitFor();
    await checkPage(page);
    await page.getByRole('link', { name: 'Alle begeleidingsplanafdrukken' }).click();
    await checkPage(page);

    await menu(page).getByRole('link', { name: 'Evaluaties' }).click();
    await page.getByRole('heading', { level: 1, name: 'Evaluaties' }).waitFor();
    await checkPage(page);
    const evaluation = await fetchLinked(page, page.getByRole('link', { name: /^Download Evaluatie van / }));
    assert.match(pdfText(evaluation.body), /De doelen zijn grotendeels gehaald/);
    await page.getByRole('link', { name: 'Alle evaluaties' }).click();
    await page.getByRole('link', { name: 'Alle evaluaties' }).click();
    assert.equal(await page.getByRole('link', { name: /^Download Evaluatie van / }).count(), 3);
    await page.getByRole('link', { name: 'Het afgelopen jaar' }).click();
    assert.equal(await page.getByRole('link', { name: /^Download Evaluatie van / }).count(), 1);
    await checkPage(page);

    await menu(page).getByRole('link', { name: 'Facturen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Facturen' }).waitFor();
    await checkPage(page);
    const invoice = await fetchLinked(page, page.getByRole('link', { name: /^Download Factuur / }).first());
    assert.match(pdfText(invoice.body), /Eigen bijdrage .*€ 112,40/);

    // Rapportages: tick two, Download gives exactly those two.
    await menu(page).getByRole('link', { name: 'Rapportages' }).click();
    await page.getByRole('link', { name: 'Afgelopen week' }).click();
    const boxes = page.getByRole('checkbox');
    await boxes.nth(0).check();
    await boxes.nth(2).check();
    await checkPage(page);
    // The Download button itself: what the browser gets when it is pressed.
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/rapportages/download')),
      page.getByRole('button', { name: 'Download' }).click(),
    ]);
    assert.equal(response.status(), 200);
    assert.equal(response.headers()['content-type'], 'application/pdf');
    // Chromium shows it in its PDF viewer; the bytes are fetched again by a page beside it.
    const beside = await page.context().newPage();
    await beside.goto(portal.url('siloah', '/rapportages'));
    const download = await fetchInPage(beside, response.url());
    const text = pdfText(download.body);
    assert.match(text, /Rapportages van Thomas de Vries/);
    assert.match(text, /Thomas heeft goed geslapen/);
    assert.match(text, /Rustige avond/);
    assert.doesNotMatch(text, /Middag naar de dagbesteding/, 'only the ticked reports');
    await page.close();
  });
}
