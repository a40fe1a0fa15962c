// The audit log as people read it: Thomas sees in "Wie heeft mijn dossier bekeken" that his
// representative looked at his reports, and downloads his whole dossier; Salem's administrator searches Beheer › Logboek
// (a wrong date explained, what was typed kept) and downloads the CSV. Fields by their Dutch
// labels, zero axe violations at 360 and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startPortal, startBrowser, openPage, VIEWPORTS, checkPage, menu, signInWithApp, signInWithSms, fetchLinked, pdfText,
} from './harness.mjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One file out of a ZIP, read by Python's zipfile (outside our code). */
function unzipped(bytes, name) {
  const file = join(mkdtempSync(join(tmpdir(), 'zip-')), 'dossier.zip');
  writeFileSync(file, bytes);
  return execFileSync('python3', ['-c',
    'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))', file, name]);
}

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

test('siloah: de cliënt ziet dat zijn vertegenwoordiger de rapportages bekeek en downloadt zijn dossier (360 en 1280px)', async () => {
  const ingrid = await openPage(browser, VIEWPORTS[0]);
  await signInWithApp(portal, ingrid, 'siloah', 'ingrid.devries@example.nl');
  await menu(ingrid).getByRole('link', { name: 'Rapportages' }).click();
  await ingrid.getByRole('heading', { level: 1, name: 'Rapportages' }).waitFor();

  const thomas = await openPage(browser, VIEWPORTS[0]);
  await signInWithApp(portal, thomas, 'siloah', 'thomas.devries@example.nl');
  await thomas.getByRole('link', { name: 'Wie heeft dit dossier bekeken?' }).click();
  await thomas.getByRole('heading', { level: 1, name: 'Wie heeft mijn dossier bekeken' }).waitFor();
  await thomas.getByText(/^Ingrid de Vries \(vertegenwoordiger\) bekeek Rapportages, (ma|di|wo|do|vr|za|zo) \d+ \w+ \d{4} \d\d:\d\d$/).first().waitFor();
  assert.equal(await thomas.getByText(/^Thomas de Vries \(cliënt\)/).count(), 0, 'his own visits are not listed');
  await checkPage(thomas);
  await thomas.setViewportSize(VIEWPORTS[1]);
  await checkPage(thomas);

  // Download mijn dossier: asked, made in the background, the PDF inside reads back.
  await thomas.getByRole('link', { name: 'Download mijn dossier' }).click();
  await thomas.getByRole('heading', { level: 1, name: 'Download mijn dossier' }).waitFor();
  await checkPage(thomas);
  await thomas.getByRole('button', { name: 'Download mijn dossier aanvragen' }).click();
  await thomas.getByRole('status').filter({ hasText: 'Uw dossier wordt klaargemaakt.' }).waitFor();
  const download = thomas.getByRole('link', { name: /^Downloaden \(ZIP, / });
  for (let i = 0; i < 50 && (await download.count()) === 0; i++) {
    await new Promise((r) => setTimeout(r, 200));
    await thomas.reload();
  }
  await download.waitFor();
  await checkPage(thomas);
  await thomas.setViewportSize(VIEWPORTS[0]);
  await checkPage(thomas);
  const zip = await fetchLinked(thomas, download);
  assert.equal(zip.type, 'application/zip');
  const reports = pdfText(unzipped(zip.body, '02-rapportages.pdf'));
  assert.match(reports, /Rapportages van Thomas de Vries/);
  assert.match(reports, /Thomas heeft goed geslapen/);
  const bundle = JSON.parse(unzipped(zip.body, 'fhir/dossier.json').toString('utf8'));
  assert.equal(bundle.resourceType, 'Bundle');
  await thomas.close();
  await ingrid.close();
});

test('salem: de beheerder zoekt in het logboek en downloadt het als CSV (1280 en 360px)', async () => {
  const johanna = await openPage(browser, VIEWPORTS[0]);
  await signInWithSms(portal, johanna, 'salem', 'johanna.vandenberg@example.nl', '06 1212 3434');
  await johanna.close();

  const page = await openPage(browser, VIEWPORTS[1]);
  await signInWithSms(portal, page, 'salem', 'beheer@example.nl', '06 5555 6666');
  await page.goto(portal.url('salem', '/beheer'));
  await page.getByRole('navigation', { name: 'Beheer' }).getByRole('link', { name: 'Logboek' }).click();
  await page.getByRole('heading', { level: 1, name: 'Logboek' }).waitFor();
  await checkPage(page);

  // A date that does not exist: said under the field, nothing typed lost.
  await page.getByLabel('Van', { exact: true }).fill('31-02-2026');
  await page.getByLabel('Cliëntnummer').fill('SAL-2001');
  await page.getByRole('button', { name: 'Zoeken' }).click();
  await page.getByRole('alert').filter({ hasText: 'Er is niet gezocht.' }).waitFor();
  await page.getByText('"31-02-2026" is geen datum die wij kennen').waitFor();
  assert.equal(await page.getByLabel('Cliëntnummer').inputValue(), 'SAL-2001');
  await checkPage(page);

  await page.getByLabel('Van', { exact: true }).fill('');
  await page.getByLabel('Wat').selectOption({ label: 'Dossier bekeken of gedownload' });
  await page.getByRole('button', { name: 'Zoeken' }).click();
  await page.getByRole('heading', { level: 2, name: 'Gevonden' }).waitFor();
  await page.getByText(/^Johanna van den Berg \(cliënt\) bekeek /).first().waitFor();
  await checkPage(page);
  await page.setViewportSize(VIEWPORTS[0]);
  await checkPage(page);

  const csv = await fetchLinked(page, page.getByRole('link', { name: 'Download als CSV' }));
  assert.match(csv.type, /^text\/csv/);
  const lines = csv.body.toString('utf8').trim().split('\r\n');
  assert.match(lines[0], /^volgnummer,tijdstip_utc,tijdstip,actor,naam,rol/);
  assert.ok(lines.length > 1, 'Johanna\'s visit is in it');
  assert.ok(lines.slice(1).every((l) => l.includes('Johanna van den Berg (SAL-2001)') && /,record\.(viewed|downloaded),/.test(l)));
  await page.close();
});
