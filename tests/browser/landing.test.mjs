// The two demo tenants' landing pages, as a person sees them on a phone and a desktop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, startBrowser, openPage, VIEWPORTS, expectNoAxeViolations, expectNoHorizontalScroll } from './harness.mjs';

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

const TENANTS = [
  {
    slug: 'siloah',
    heading: 'Welkom bij het Cliëntportaal Siloah',
    tagline: 'Delen door liefde',
    header: 'rgb(29, 79, 145)', // #1d4f91
    contact: 'servicedesk@sirjon.nl',
  },
  {
    slug: 'salem',
    heading: 'Welkom bij het Salem Cliëntportaal',
    tagline: 'Wonen met zorg, persoonsgericht',
    header: 'rgb(47, 99, 50)', // #2f6332
    contact: 'clientportaal@salem.nl',
  },
];

for (const tenant of TENANTS) {
  for (const viewport of VIEWPORTS) {
    test(`${tenant.slug}: startpagina op ${viewport.name} (${viewport.width}px)`, async () => {
      const page = await openPage(browser, viewport);
      const response = await page.goto(portal.url(tenant.slug));
      assert.equal(response.status(), 200);

      await page.getByRole('heading', { level: 1, name: tenant.heading }).waitFor();
      assert.ok(await page.getByText(tenant.tagline).first().isVisible(), 'tagline visible');
      assert.ok(await page.getByRole('link', { name: tenant.contact }).isVisible(), 'support contact visible');
      const login = page.getByRole('link', { name: 'Inloggen' });
      assert.ok(await login.isVisible(), 'the way in is visible');
      const box = await login.boundingBox();
      assert.ok(box.height >= 44, `Inloggen is a large target (${box.height}px)`);

      const headerColour = await page.locator('header').evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.equal(headerColour, tenant.header, 'the header has the tenant colour');
      const logo = page.getByRole('img', { name: `Logo van ${tenant.slug[0].toUpperCase()}${tenant.slug.slice(1)}` });
      assert.ok(await logo.evaluate((img) => img.complete && img.naturalWidth > 0), 'the logo loads');

      await expectNoHorizontalScroll(page, assert);
      await expectNoAxeViolations(page, assert);

      // Keyboard: the first Tab reaches the skip link, which leads to the content.
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
      assert.equal(focused, 'Naar de inhoud');
      await page.close();
    });
  }

  test(`${tenant.slug}: een onbekende pagina geeft een nette foutpagina`, async () => {
    const page = await openPage(browser, VIEWPORTS[0]);
    const response = await page.goto(portal.url(tenant.slug, '/bestaat-niet'));
    assert.equal(response.status(), 404);
    await page.getByRole('heading', { level: 1, name: 'Pagina niet gevonden' }).waitFor();
    assert.ok(await page.getByRole('link', { name: 'Naar de startpagina' }).isVisible());
    await expectNoHorizontalScroll(page, assert);
    await expectNoAxeViolations(page, assert);
    await page.close();
  });
}

test('een onbekende host krijgt een kale 404', async () => {
  const page = await openPage(browser);
  const response = await page.goto(portal.url('onbekend'));
  assert.equal(response.status(), 404);
  const text = await page.locator('body').innerText();
  assert.equal(text.trim(), 'Niet gevonden');
  await page.close();
});

test('de twee portalen zien er verschillend uit', async () => {
  const colours = [];
  for (const tenant of TENANTS) {
    const page = await openPage(browser);
    await page.goto(portal.url(tenant.slug));
    colours.push(await page.locator('header').evaluate((el) => getComputedStyle(el).backgroundColor));
    await page.close();
  }
  assert.notEqual(colours[0], colours[1]);
});
