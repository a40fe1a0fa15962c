// Beheer as staff use it: Siloah's Coördinator zorg invites a representative, answers a
// message and offers a care plan; Salem's administrator invites a contact person, then
// connects the ECD and synchronises now; an existing account accepts an invitation on Home.
// Fields by their Dutch labels, zero axe violations at 360 and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startPortal, startBrowser, openPage, VIEWPORTS, checkPage, signInWithApp as appSignIn, signInWithSms as smsSignIn,
  signInAgainWithSms, startFhirServer, tenantCopy, FIXTURES, fromUserMenu,
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

const signInWithApp = (page, slug, username) => appSignIn(portal, page, slug, username);
const signInWithSms = (page, slug, username, number) => smsSignIn(portal, page, slug, username, number);

function mailsTo(address) {
  let files = [];
  try { files = readdirSync(portal.mailDir); } catch { /* none yet */ }
  return files.map((f) => readFileSync(join(portal.mailDir, f), 'utf8')).filter((m) => m.includes(`To: ${address}`));
}

async function waitForMail(address) {
  for (let i = 0; i < 100; i++) {
    const found = mailsTo(address);
    if (found.length) return found[0].replace(/=\r?\n/g, '');
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${address}`);
}

test('siloah: de Coördinator zorg nodigt uit, beantwoordt een bericht en biedt een begeleidingsplan aan (360px)', async () => {
  const page = await openPage(browser, VIEWPORTS[0]);
  await signInWithApp(page, 'siloah', 'lisa.smit@example.nl');
  await page.getByText('U bent medewerker.').waitFor();
  await fromUserMenu(page, 'Beheer');
  await page.getByRole('heading', { level: 1, name: 'Beheer' }).waitFor();
  await checkPage(page);

  // Uitnodigen: a mistake is named under its field and nothing typed is lost.
  await page.getByRole('link', { name: 'Uitnodigen voor Daan Bakker' }).click();
  await page.getByRole('heading', { level: 1, name: 'Uitnodigen' }).waitFor();
  assert.equal(await page.getByLabel('Cliënt', { exact: true }).inputValue(), 'SIL-1003');
  await checkPage(page);
  await page.getByLabel('(Wettelijk) vertegenwoordiger').check();
  await page.getByLabel('Naam', { exact: true }).fill('Nadia Bakker');
  await page.getByLabel('E-mailadres').fill('nadia.bakker@');
  await page.getByRole('button', { name: 'Uitnodigen' }).click();
  await page.getByRole('alert').filter({ hasText: 'De uitnodiging is nog niet verstuurd' }).waitFor();
  assert.equal(await page.getByLabel('Naam', { exact: true }).inputValue(), 'Nadia Bakker');
  await checkPage(page);
  await page.getByLabel('E-mailadres').fill('nadia.bakker@example.nl');
  await page.getByLabel('Mobiel nummer (niet verplicht)').fill('06 9876 5432');
  await page.getByRole('button', { name: 'Uitnodigen' }).click();
  await page.getByRole('status').filter({ hasText: 'De uitnodiging is verstuurd naar nadia.bakker@example.nl.' }).waitFor();
  const mail = await waitForMail('nadia.bakker@example.nl');
  assert.match(mail, /Eenmalig wachtwoord: /);
  assert.match(mail, /U krijgt dan een SMS-code op uw mobiele nummer/);
  assert.doesNotMatch(mail, /Daan/, 'nothing about the client in the invitation');

  // Berichten: answer Thomas's thread.
  await page.getByRole('link', { name: 'Cliënten' }).click();
  await page.getByRole('link', { name: 'Berichten van Thomas de Vries' }).click();
  await page.getByRole('heading', { level: 1, name: 'Berichten van Thomas de Vries' }).waitFor();
  await page.getByText('kan Thomas volgende week woensdag').waitFor();
  await checkPage(page);
  await page.getByLabel('Uw antwoord').fill('Goed nieuws: de evaluatie is verplaatst naar 10.30 uur.');
  await page.getByRole('button', { name: 'Stuur' }).click();
  await page.getByText('Lisa Smit (Coördinator zorg)').first().waitFor();
  assert.ok(await page.getByText('Goed nieuws: de evaluatie is verplaatst naar 10.30 uur.').isVisible());

  // Begeleidingsplan aanbieden: the print as a PDF and its date.
  await page.getByRole('link', { name: 'Cliënten' }).click();
  await page.getByRole('link', { name: 'Begeleidingsplan aanbieden voor Sanne Bakker' }).click();
  await page.getByRole('heading', { level: 1, name: 'Begeleidingsplan aanbieden voor Sanne Bakker' }).waitFor();
  await checkPage(page);
  const wrong = join(mkdtempSync(join(tmpdir(), 'upload-')), 'notitie.txt');
  writeFileSync(wrong, 'geen pdf');
  await page.getByLabel('Begeleidingsplanafdruk (PDF)').setInputFiles(wrong);
  await page.getByRole('button', { name: 'Aanbieden ter ondertekening' }).click();
  await page.getByText('Dit is geen PDF-bestand.').waitFor();
  await checkPage(page);
  // A small PDF of the coordinator's own.
  const pdf = join(mkdtempSync(join(tmpdir(), 'upload-')), 'plan.pdf');
  writeFileSync(pdf, Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'));
  await page.getByLabel('Begeleidingsplanafdruk (PDF)').setInputFiles(pdf);
  await page.getByLabel('Datum van de afdruk').fill('2026-11-20');
  await page.getByRole('button', { name: 'Aanbieden ter ondertekening' }).click();
  await page.getByRole('status').filter({ hasText: 'Begeleidingsplanafdruk van vrijdag 20 november 2026 staat klaar om te ondertekenen voor Sanne Bakker.' }).waitFor();
  await page.close();

  // Sanne's representative sees it on the home page.
  const marco = await openPage(browser, VIEWPORTS[0]);
  await signInWithApp(marco, 'siloah', 'marco.bakker@example.nl');
  if (!(await marco.getByText(/^Dossier van /).innerText()).includes('Sanne Bakker')) {
    await marco.getByLabel('Ander dossier').selectOption({ label: 'Sanne Bakker' });
    await marco.getByRole('button', { name: 'Wissel' }).click();
  }
  await marco.getByRole('heading', { level: 2, name: 'Begeleidingsplanafdruk klaar om te ondertekenen' }).waitFor();
  await marco.close();
});

test('salem: de beheerder nodigt een contactpersoon uit (1280px)', async () => {
  const page = await openPage(browser, VIEWPORTS[1]);
  await signInWithSms(page, 'salem', 'beheer@example.nl', '06 5555 6666');
  await page.goto(portal.url('salem', '/beheer'));
  await page.getByRole('heading', { level: 1, name: 'Beheer' }).waitFor();
  assert.equal(await page.getByRole('link', { name: /^Berichten van / }).count(), 0, 'an administrator does no care work');
  await checkPage(page);
  await page.getByRole('navigation', { name: 'Beheer' }).getByRole('link', { name: 'Uitnodigen' }).click();
  await page.getByLabel('Cliënt', { exact: true }).selectOption('SAL-2002');
  await page.getByLabel('Contactpersoon').check();
  await page.getByLabel('Naam', { exact: true }).fill('Bram Jansen');
  await page.getByLabel('E-mailadres').fill('bram.jansen@example.nl');
  await page.getByRole('button', { name: 'Uitnodigen' }).click();
  await page.getByRole('status').filter({ hasText: 'De uitnodiging is verstuurd naar bram.jansen@example.nl.' }).waitFor();
  await checkPage(page);
  const mail = await waitForMail('bram.jansen@example.nl');
  assert.match(mail, /wachtwoord-herstellen\//, 'Salem invites with an activation link');

  // Made coordinator as well (an existing account gets the role), she keeps the prikbord.
  portal.cli(['staff', 'add', '--tenant', 'salem', '--email', 'beheer@example.nl', '--name', 'Bea Heer', '--role', 'coordinator']);
  await page.goto(portal.url('salem', '/beheer'));
  // Salem's clients "kunnen de zorg geen berichten sturen" and have no care plans: their
  // coordinator is offered neither, only what Salem has.
  await page.getByRole('link', { name: 'Prikbord van Johanna van den Berg' }).waitFor();
  assert.equal(await page.getByRole('link', { name: /^Berichten van / }).count(), 0, 'no thread nobody reads');
  assert.equal(await page.getByRole('link', { name: /^Begeleidingsplan aanbieden/ }).count(), 0);
  await page.getByRole('link', { name: 'Prikbord van Johanna van den Berg' }).click();
  await page.getByRole('heading', { level: 1, name: 'Prikbord van Johanna van den Berg' }).waitFor();
  await checkPage(page);
  const post = page.getByRole('listitem').filter({ hasText: 'Dank jullie wel voor de bloemen.' });
  await post.getByRole('button', { name: 'Verwijderen' }).click();
  assert.equal(await page.getByText('Dank jullie wel voor de bloemen.').count(), 1, 'not without ticking the confirmation');
  await page.getByRole('listitem').filter({ hasText: 'Dank jullie wel voor de bloemen.' }).getByLabel(/^Ja, verwijder dit bericht/).check();
  await page.getByRole('listitem').filter({ hasText: 'Dank jullie wel voor de bloemen.' }).getByRole('button', { name: 'Verwijderen' }).click();
  await page.getByRole('heading', { level: 1, name: 'Prikbord van Johanna van den Berg' }).waitFor();
  assert.equal(await page.getByText('Dank jullie wel voor de bloemen.').count(), 0);
  await page.close();
});

test('salem: de beheerder ziet de ECD-koppeling en synchroniseert nu (360px)', async () => {
  const fhir = await startFhirServer();
  try {
    const page = await openPage(browser, VIEWPORTS[0]);
    await signInAgainWithSms(portal, page, 'salem', 'beheer@example.nl');
    await page.goto(portal.url('salem', '/beheer'));
    await page.getByRole('navigation', { name: 'Beheer' }).getByRole('link', { name: 'ECD-koppeling' }).click();
    await page.getByRole('heading', { level: 1, name: 'ECD-koppeling' }).waitFor();
    await page.getByText('is niet aan een ECD gekoppeld').waitFor();
    await checkPage(page);

    // The organisation's ECD: Johanna's Patient, and Salem connected to it.
    await fhir.load(JSON.parse(readFileSync(join(FIXTURES, 'fhir/patients.json'), 'utf8')));
    const dir = tenantCopy('salem', (toml) => toml.replace('connector = "demo"',
      `connector = "fhir"\n[sync.fhir]\nbase_url = "${fhir.baseUrl}"\nclient_identifier_system = "urn:oid:2.16.840.1.113883.2.4.3.11.999.88.1"`));
    portal.cli(['tenant', 'apply', dir]);
    await page.reload();
    await page.getByRole('heading', { level: 3, name: 'Rapportages' }).waitFor();
    await page.getByText('ieder uur tussen 08:30 en 00:30').first().waitFor();
    await page.getByRole('button', { name: 'Nu synchroniseren' }).click();
    await page.getByRole('status').filter({ hasText: 'De synchronisatie is gestart.' }).waitFor();
    await checkPage(page);
    // It runs after the answer; a refresh shows how it went.
    for (let i = 0; i < 50 && (await page.getByText('nog nooit').count()) > 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      await page.reload();
    }
    assert.equal(await page.getByText('nog nooit').count(), 0, 'every kind has run');
    await page.getByText(/0 nieuw, 0 gewijzigd|0 nieuw, 1 gewijzigd/).first().waitFor();
    await checkPage(page);
    // Verbinding testen: the ECD answers; the answer is on the page.
    await page.getByRole('button', { name: 'Verbinding testen' }).click();
    await page.getByRole('status').filter({ hasText: 'De verbinding werkt:' }).waitFor();
    await checkPage(page);
    await page.close();
  } finally {
    await fhir.stop();
  }
});

test('siloah: een bestaand account accepteert een uitnodiging op Home (360px)', async () => {
  // Asked on the command line, as an operator would; only Fatima herself can say yes.
  portal.cli(['user', 'invite', '--tenant', 'siloah', '--email', 'fatima.elamrani@example.nl',
    '--name', 'Fatima El Amrani', '--client', 'SIL-1002', '--relation', 'representative']);
  const mail = await waitForMail('fatima.elamrani@example.nl');
  assert.match(mail, /Zonder uw bevestiging krijgt u geen toegang/);
  const page = await openPage(browser, VIEWPORTS[0]);
  await signInWithApp(page, 'siloah', 'fatima.elamrani@example.nl');
  const invitation = page.getByRole('region', { name: 'Uitnodiging voor het dossier van Sanne Bakker' });
  await invitation.waitFor();
  await checkPage(page);
  await invitation.getByRole('button', { name: 'Accepteren' }).click();
  await page.getByRole('status').filter({ hasText: 'U hebt de uitnodiging geaccepteerd.' }).waitFor();
  assert.equal(await page.getByRole('region', { name: /^Uitnodiging voor het dossier/ }).count(), 0);
  await checkPage(page);
  await page.close();
});
