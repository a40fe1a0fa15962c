// #16: every page a person can open, at 360 px and at 1280 px, with zero axe violations and
// nothing to scroll sideways: the router's GET routes (read from its source, so a new page
// is checked without anyone listing it), as nobody, a client, a representative, a contact
// person, a coordinator and an administrator, on a portal of this file's own. Addresses with
// an id are reached through the links on the pages that name them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startPortal, startBrowser, openPage, VIEWPORTS, checkPage, signInWithSms, signInWithApp } from './harness.mjs';

const ROUTES = new URL('../../services/web/src/routes.rs', import.meta.url).pathname;

/** Every GET route's address, as written in the router. */
function getRoutes() {
  const source = readFileSync(ROUTES, 'utf8');
  const found = [];
  for (const piece of source.split('.route(').slice(1)) {
    const path = piece.match(/^\s*"([^"]+)"/)?.[1];
    // The handlers up to the parenthesis closing `.route(`.
    let depth = 1;
    let end = 0;
    for (; end < piece.length && depth > 0; end++) {
      if (piece[end] === '(') depth++;
      if (piece[end] === ')') depth--;
    }
    if (path && /\bget\(/.test(piece.slice(0, end))) found.push(path);
  }
  assert.ok(found.length > 40, `the router's routes were not found in ${ROUTES}`);
  return found;
}

/** Not pages: assets, health, downloads (PDF, ZIP, CSV, photos). */
const NOT_PAGES = /^\/(theme\.css|logo\.svg|static\/|healthz|readyz)|\/foto$|\.csv$|\.css$|^\/rapportages\/download|^\/documenten\/|^\/dossier\/download\/|handtekeningenblad$|^\/foto\//;

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

/** Opens every page `role` can reach on `slug`, at both widths, checking each. */
async function sweep(page, slug, who) {
  const routes = getRoutes().filter((r) => !NOT_PAGES.test(r));
  const plain = routes.filter((r) => !r.includes('{'));
  const templates = routes.filter((r) => r.includes('{')).map((r) => new RegExp(`^${r.replace(/\{[^}]+\}/g, '[^/]+')}$`));
  const seen = new Set();
  const queue = [...plain];
  let checked = 0;
  const opened = [];
  while (queue.length) {
    const path = queue.shift();
    if (seen.has(path)) continue;
    seen.add(path);
    const response = await page.goto(portal.url(slug, path));
    const landed = new URL(page.url()).pathname;
    // Not for this person (404), or sent elsewhere (a sign-in step, Home): nothing to check here.
    if (response.status() === 404 || (landed !== path && seen.has(landed))) continue;
    assert.ok(response.status() < 500, `${who}: ${path} answered ${response.status()}`);
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      try {
        await checkPage(page);
      } catch (error) {
        throw new Error(`${who} ${slug}${path} at ${viewport.width}px: ${error.message}`);
      }
    }
    checked++;
    opened.push(path);
    // Pages behind an id: the links on this page that lead to one.
    const links = await page.locator('a[href^="/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const href of links) {
      const target = href.split(/[?#]/)[0];
      if (!seen.has(target) && templates.some((t) => t.test(target)) && !NOT_PAGES.test(target)) queue.push(target);
    }
  }
  return { checked, opened };
}

test('elke pagina voor iedereen zonder inloggen, op 360 en 1280 px', async (t) => {
  const page = await openPage(browser);
  for (const slug of ['siloah', 'salem']) {
    const { checked, opened } = await sweep(page, slug, 'niemand');
    t.diagnostic(`${slug}: ${opened.join(' ')}`);
    assert.ok(checked >= 3, `${slug}: ${checked} pages`);
  }
  await page.close();
});

for (const [slug, username, who, sms] of [
  ['siloah', 'ingrid.devries@example.nl', 'vertegenwoordiger', '06 1212 3434'],
  ['salem', 'johanna.vandenberg@example.nl', 'cliënt', '06 5656 7878'],
  ['salem', 'willem.vandenberg@example.nl', 'contactpersoon', '06 9090 1212'],
  ['siloah', 'lisa.smit@example.nl', 'coördinator', null],
  ['salem', 'beheer@example.nl', 'beheerder', '06 3434 5656'],
]) {
  test(`elke pagina voor de ${who} (${slug}), op 360 en 1280 px`, async (t) => {
    const page = await openPage(browser);
    if (sms) await signInWithSms(portal, page, slug, username, sms);
    else await signInWithApp(portal, page, slug, username);
    const { checked, opened } = await sweep(page, slug, who);
    t.diagnostic(opened.join(' '));
    assert.ok(checked >= 5, `${who}: only ${checked} pages`);
    await page.close();
  });
}
