// End-to-end browser test of Accord's web UI (issue 7).
//
// Drives Debian's headless Chromium through playwright-core against a
// running server whose data was seeded by cmd/accord/ui_e2e_test.go, which
// runs this script with the environment below. Each step asserts with
// node:assert; the first failure stops the run (exit 1) and names the step.
// Full-page screenshots of every page, light and dark, go to
// $SCREENSHOT_DIR/<page>-<scheme>.png. See docs/ui-testing.md.
//
// Locators are accessible ones (labels, roles, exact names) wherever the
// UI's contract names them: a control the test cannot find by its label or
// role is one a screen reader cannot find either.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

function env(name, fallback) {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === '') {
    console.error(`ui.e2e: environment variable ${name} is required (see docs/ui-testing.md)`);
    process.exit(2);
  }
  return v;
}

const BASE = env('BASE_URL').replace(/\/+$/, '');
const SHOTS = env('SCREENSHOT_DIR', path.resolve(import.meta.dirname, '..', '..', 'screenshots'));
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const STEP_TIMEOUT = Number(env('STEP_TIMEOUT_MS', '30000'));
const ADMIN = { user: env('ADMIN_USER'), password: env('ADMIN_PASSWORD'), token: env('ADMIN_TOKEN') };
const REVIEWER = { user: env('REVIEWER_USER'), password: env('REVIEWER_PASSWORD') };
const READER = { user: env('READER_USER'), password: env('READER_PASSWORD') };
const STREAM = env('STREAM', 'orders');
const STREAM_SUBJECT = env('STREAM_SUBJECT', `${STREAM}-value`);
const STREAM_VERSIONS = env('STREAM_VERSIONS', '1,2').split(',');
const DIFF_FROM = env('DIFF_FROM', '1');
const DIFF_TO = env('DIFF_TO', '2');
const DIFF_VERDICT = env('DIFF_VERDICT', 'Compatible');
const INCOMPAT_STREAM = env('INCOMPAT_STREAM');
const INCOMPAT_SUBJECT = env('INCOMPAT_SUBJECT', `${INCOMPAT_STREAM}-value`);
const INCOMPAT_LOCATION = env('INCOMPAT_LOCATION');
const PROPOSAL_ID = env('PROPOSAL_ID');
const PROPOSAL_FIELD = env('PROPOSAL_FIELD');
const PROPOSAL_NEW_VERSION = env('PROPOSAL_NEW_VERSION');
const PROPOSAL_AUTHOR = env('PROPOSAL_AUTHOR');
const OTHER_PROPOSAL_ID = env('OTHER_PROPOSAL_ID');
const OTHER_STREAM = env('OTHER_STREAM');
const LINEAGE_STREAM = env('LINEAGE_STREAM', STREAM);
const LINEAGE_NODE = env('LINEAGE_NODE');
const PROPOSAL_API = env('PROPOSAL_API', '/v1/proposals');

const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const exact = (name) => ({ name, exact: true });
const url = (p) => BASE + p;
const pathOf = (page) => new URL(page.url()).pathname;

// ---------------------------------------------------------------- helpers

// clickAndLoad clicks something that navigates (a link, a form's submit
// button; a POST answered 303 lands on the same URL) and waits for the
// new page to load. It returns the main document's response.
async function clickAndLoad(page, locator) {
  const nav = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
  const resp = page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().frame() === page.mainFrame() && (r.status() < 300 || r.status() >= 400));
  await locator.click();
  const [first] = await Promise.all([resp, nav]);
  await page.waitForLoadState('load');
  return first;
}

async function goto(page, p, want = 200) {
  const resp = await page.goto(url(p));
  assert.ok(resp, `GET ${p}: no response`);
  assert.equal(resp.status(), want, `GET ${p}: status ${resp.status()}, want ${want}`);
  return resp;
}

function mainNav(page) {
  return page.getByRole('navigation', exact('Main'));
}

async function bodyText(page) {
  return page.locator('body').innerText();
}

async function shot(page, name, scheme) {
  await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
}

// The login page has a form for a name and password and one for an API
// token, each with its own "Sign in" button: the form of a field.
function formOf(page, label) {
  return page.locator('form').filter({ has: page.getByLabel(label, { exact: true }) });
}

async function signIn(page, { user, password, token }) {
  await goto(page, '/ui/login');
  let form;
  if (token) {
    form = formOf(page, 'API token');
    await form.getByLabel('API token', { exact: true }).fill(token);
  } else {
    form = formOf(page, 'Username');
    await form.getByLabel('Username', { exact: true }).fill(user);
    await form.getByLabel('Password', { exact: true }).fill(password);
  }
  await clickAndLoad(page, form.getByRole('button', exact('Sign in')));
  assert.notEqual(pathOf(page), '/ui/login', `signing in as ${user || 'a token'} stayed on the login page: ${await page.getByRole('alert').allInnerTexts()}`);
}

async function signOut(page) {
  await clickAndLoad(page, page.getByRole('button', exact('Sign out')));
  assert.equal(pathOf(page), '/ui/login', `after Sign out the browser is at ${page.url()}, want /ui/login`);
}

// The header (the page's banner landmark) names who is signed in.
async function assertSignedInAs(page, name) {
  const banner = page.getByRole('banner');
  await banner.waitFor();
  const text = await banner.innerText();
  assert.ok(new RegExp(`\\b${name}\\b`).test(text), `the header shows ${JSON.stringify(text)}, want the principal ${name}`);
  assert.equal(await banner.getByRole('button', exact('Sign out')).count(), 1, 'the header has no "Sign out" button');
}

async function navLinks(page) {
  // A link may carry a count ("Proposals 2"): the label is its first word.
  return (await mainNav(page).getByRole('link').allInnerTexts()).map((s) => s.trim().split(/\s+/)[0]);
}

// tableRows reads the table that has the given column headers as an array
// of objects keyed by header.
async function tableRows(page, headers) {
  let table = page.getByRole('table');
  for (const h of headers) table = table.filter({ has: page.getByRole('columnheader', exact(h)) });
  assert.ok((await table.count()) >= 1, `no table with the columns ${headers.join(', ')}`);
  table = table.first();
  const head = (await table.getByRole('columnheader').allInnerTexts()).map((s) => s.trim());
  const rows = [];
  for (const row of await table.getByRole('row').all()) {
    // Data cells and row headers (a version's number may be its row's th).
    if ((await row.getByRole('columnheader').count()) > 0) continue; // the header row
    const cells = (await row.locator(':scope > th, :scope > td').allInnerTexts()).map((s) => s.trim());
    rows.push(Object.fromEntries(head.map((h, i) => [h, cells[i] ?? ''])));
  }
  return rows;
}

// An entry (a table row or a list item) holding all the texts.
function entryWith(page, texts) {
  let rows = page.locator('tr, li');
  for (const t of texts) rows = rows.filter({ hasText: t });
  return rows;
}

async function apiGet(p, who = ADMIN) {
  const res = await fetch(url(p), { headers: { Authorization: 'Basic ' + Buffer.from(`${who.user}:${who.password}`).toString('base64') } });
  const text = await res.text();
  assert.equal(res.status, 200, `API GET ${p}: ${res.status} ${text}`);
  return JSON.parse(text);
}

// ---------------------------------------------------------------- steps

const steps = [];
const step = (name, fn) => steps.push({ name, fn });
let browser;
let page; // the reviewer's, then the reader's and the admin's

step('a. sign in with username and password', async () => {
  await goto(page, '/ui/login');
  const form = formOf(page, 'Username');
  assert.equal(await form.getByRole('button', exact('Sign in')).count(), 1, 'no "Sign in" button with the Username field on /ui/login');
  assert.equal(await formOf(page, 'API token').getByRole('button', exact('Sign in')).count(), 1, 'no "Sign in" button with the API token field on /ui/login');
  // Wrong credentials: 401 and an alert.
  await form.getByLabel('Username', { exact: true }).fill(REVIEWER.user);
  await form.getByLabel('Password', { exact: true }).fill('not-the-password');
  const bad = await clickAndLoad(page, form.getByRole('button', exact('Sign in')));
  assert.equal(bad.status(), 401, `a wrong password answered ${bad.status()}, want 401`);
  const alert = page.getByRole('alert');
  assert.ok(await alert.isVisible(), 'a wrong password shows no role="alert" message');
  console.log(`  wrong password: 401, alert ${JSON.stringify((await alert.innerText()).trim())}`);
  // The right ones.
  await signIn(page, REVIEWER);
  await assertSignedInAs(page, REVIEWER.user);
  const links = await navLinks(page);
  for (const l of ['Streams', 'Lineage', 'Proposals', 'Audit']) {
    assert.ok(links.includes(l), `a reviewer's Main navigation lacks "${l}": ${links}`);
  }
  assert.ok(!links.includes('Subjects'), `a reviewer sees the admins' "Subjects" link: ${links}`);
});

step('b. find a stream', async () => {
  await goto(page, '/ui');
  assert.equal(pathOf(page), '/ui/streams', `/ui lands on ${page.url()}, want /ui/streams`);
  for (const label of ['Search', 'Owner', 'Event type', 'Visibility', 'Tag', 'Has pending proposals']) {
    assert.equal(await page.getByLabel(label, { exact: true }).count(), 1, `the streams filter has no field labelled "${label}"`);
  }
  // Streams with pending proposals: the two proposed ones, not the others.
  await page.getByLabel('Has pending proposals', { exact: true }).check();
  await clickAndLoad(page, page.getByRole('button', exact('Filter')));
  assert.equal(new URL(page.url()).searchParams.get('pending'), '1', `"Has pending proposals" went to ${page.url()}, want pending=1`);
  for (const name of [STREAM, OTHER_STREAM]) {
    assert.equal(await page.getByRole('link', exact(name)).count(), 1, `the streams with pending proposals do not include ${name}`);
  }
  assert.equal(await page.getByRole('link', exact(INCOMPAT_STREAM)).count(), 0, `${INCOMPAT_STREAM} has no pending proposal but is listed under "Has pending proposals"`);
  await goto(page, '/ui/streams');
  await page.getByLabel('Search', { exact: true }).fill(STREAM);
  await clickAndLoad(page, page.getByRole('button', exact('Filter')));
  assert.equal(new URL(page.url()).searchParams.get('q'), STREAM, `Filter went to ${page.url()}, want q=${STREAM}`);
  assert.equal(await page.getByRole('link', exact(OTHER_STREAM)).count(), 0, `searching "${STREAM}" still lists ${OTHER_STREAM}`);
  await clickAndLoad(page, page.getByRole('link', exact(STREAM)));
  assert.equal(pathOf(page), `/ui/streams/${STREAM}`, `the stream link went to ${page.url()}`);
  const h1 = page.getByRole('heading', { level: 1 });
  assert.equal((await h1.innerText()).trim(), STREAM, 'the stream page\'s h1');
  const rows = await tableRows(page, ['Version', 'Registered', 'Author', 'Schema id']);
  const versions = rows.map((r) => r.Version);
  for (const v of STREAM_VERSIONS) assert.ok(versions.includes(v), `the versions table lists ${versions}, want ${STREAM_VERSIONS}`);
  // "View" (its accessible name may add which version: "View version 2").
  assert.ok((await page.getByRole('table').getByRole('link', { name: /^View\b/ }).count()) >= 1, 'the versions table has no "View" link');
  assert.ok(await page.locator('pre.code').first().isVisible(), 'no schema in <pre class="code">');
});

step('c. open a diff', async () => {
  await page.getByLabel('From', { exact: true }).selectOption(DIFF_FROM);
  await page.getByLabel('To', { exact: true }).selectOption(DIFF_TO);
  await clickAndLoad(page, page.getByRole('button', exact('Compare')));
  const u = new URL(page.url());
  assert.equal(u.pathname, `/ui/streams/${STREAM}/diff`, `Compare went to ${page.url()}`);
  assert.equal(u.searchParams.get('from'), DIFF_FROM, `Compare's from: ${page.url()}`);
  assert.equal(u.searchParams.get('to'), DIFF_TO, `Compare's to: ${page.url()}`);
  const verdict = (await page.locator('.verdict').first().innerText()).trim();
  assert.ok(verdict.includes(DIFF_VERDICT) && !(DIFF_VERDICT === 'Compatible' && verdict.includes('Incompatible')),
    `the verdict of ${STREAM} ${DIFF_FROM}->${DIFF_TO} is ${JSON.stringify(verdict)}, want ${DIFF_VERDICT}`);
  // An incompatible pair: the verdict says so and the difference is located.
  await goto(page, `/ui/streams/${INCOMPAT_STREAM}/diff?subject=${INCOMPAT_SUBJECT}&from=1&to=2`);
  const bad = (await page.locator('.verdict').first().innerText()).trim();
  assert.ok(bad.includes('Incompatible'), `the verdict of ${INCOMPAT_SUBJECT} 1->2 is ${JSON.stringify(bad)}, want Incompatible`);
  const where = page.getByText(INCOMPAT_LOCATION).first();
  assert.ok(await where.isVisible(), `the incompatible diff does not show where it breaks (${INCOMPAT_LOCATION})`);
  console.log(`  ${STREAM} ${DIFF_FROM}->${DIFF_TO}: ${JSON.stringify(verdict)}; ${INCOMPAT_SUBJECT} 1->2: ${JSON.stringify(bad)} at ${INCOMPAT_LOCATION}`);
});

step('d. review and approve a proposal', async () => {
  await clickAndLoad(page, mainNav(page).getByRole('link', { name: /^Proposals\b/ }));
  assert.equal(pathOf(page), '/ui/proposals', `the Proposals link went to ${page.url()}`);
  const link = page.locator(`a[href$="/ui/proposals/${PROPOSAL_ID}"]`).first();
  assert.ok(await link.isVisible(), `/ui/proposals does not list the pending proposal #${PROPOSAL_ID}`);
  assert.ok(await page.locator(`a[href$="/ui/proposals/${OTHER_PROPOSAL_ID}"]`).first().isVisible(), `/ui/proposals does not list the pending proposal #${OTHER_PROPOSAL_ID}`);
  await clickAndLoad(page, link);
  assert.equal(pathOf(page), `/ui/proposals/${PROPOSAL_ID}`, `the proposal link went to ${page.url()}`);
  assert.equal((await page.getByRole('heading', { level: 1 }).innerText()).trim(), `Proposal #${PROPOSAL_ID}`, 'the proposal page\'s h1');
  assert.equal((await page.locator('.state').first().innerText()).trim().toLowerCase(), 'pending', 'the proposal\'s state before the review');
  // The diff (the proposed field) and the report (the verdict).
  assert.ok(await page.getByText(PROPOSAL_FIELD).first().isVisible(), `the proposal page does not show the proposed field "${PROPOSAL_FIELD}" (no diff?)`);
  assert.ok(/compatible|may ship/i.test(await bodyText(page)), 'the proposal page shows no compatibility report');
  await page.getByLabel('Comment', { exact: true }).fill('Looks good: the new field has a default.');
  const resp = await clickAndLoad(page, page.getByRole('button', exact('Approve')));
  assert.equal(pathOf(page), `/ui/proposals/${PROPOSAL_ID}`, `Approve landed on ${page.url()} (status ${resp.status()})`);
  assert.equal((await page.locator('.state').first().innerText()).trim().toLowerCase(), 'approved', 'the proposal\'s state after Approve');
  const text = await bodyText(page);
  const named = text.match(new RegExp(`^.*\\bversion\\s+${PROPOSAL_NEW_VERSION}\\b.*$`, 'im'));
  assert.ok(named, `the approved proposal does not name the new version ("version ${PROPOSAL_NEW_VERSION}")`);
  console.log(`  approved: ${JSON.stringify(named[0].trim())}`);
  assert.equal(await page.getByRole('button', exact('Approve')).count(), 0, 'an approved proposal still offers "Approve"');
});

step('e. see the new version', async () => {
  await goto(page, `/ui/streams/${STREAM}`);
  const rows = await tableRows(page, ['Version', 'Author']);
  const row = rows.find((r) => r.Version === PROPOSAL_NEW_VERSION);
  assert.ok(row, `the stream page lists versions ${rows.map((r) => r.Version)}, want ${PROPOSAL_NEW_VERSION} too`);
  assert.equal(row.Author, PROPOSAL_AUTHOR, `the author of version ${PROPOSAL_NEW_VERSION}`);
});

step('f. see the audit entry', async () => {
  await clickAndLoad(page, mainNav(page).getByRole('link', exact('Audit')));
  assert.equal(pathOf(page), '/ui/audit', `the Audit link went to ${page.url()}`);
  const n = await entryWith(page, ['proposal.approve', REVIEWER.user]).count();
  assert.ok(n >= 1, `/ui/audit shows no proposal.approve entry by ${REVIEWER.user}`);
});

step('g. a reader cannot approve', async () => {
  await signOut(page);
  await signIn(page, READER);
  await assertSignedInAs(page, READER.user);
  const links = await navLinks(page);
  assert.ok(!links.includes('Subjects'), `a reader sees "Subjects": ${links}`);
  assert.ok(!links.includes('Audit'), `a reader sees "Audit": ${links}`);
  await goto(page, `/ui/proposals/${OTHER_PROPOSAL_ID}`);
  assert.equal((await page.getByRole('heading', { level: 1 }).innerText()).trim(), `Proposal #${OTHER_PROPOSAL_ID}`, 'the proposal page\'s h1');
  assert.equal((await page.locator('.state').first().innerText()).trim().toLowerCase(), 'pending', 'the other proposal\'s state');
  assert.equal(await page.getByRole('button', exact('Approve')).count(), 0, 'a reader is offered "Approve"');
  assert.equal(await page.getByRole('button', exact('Reject')).count(), 0, 'a reader is offered "Reject"');
  // A forged approval from the reader's session, with a valid CSRF token
  // taken from another form of the page (Sign out) when there is one.
  const form = { comment: 'forged' };
  const hidden = page.locator('form input[type="hidden"]');
  for (const h of await hidden.all()) {
    const name = await h.getAttribute('name');
    if (name && /csrf|token/i.test(name)) form[name] = (await h.getAttribute('value')) ?? '';
  }
  const withToken = Object.keys(form).length > 1;
  const res = await page.request.post(url(`/ui/proposals/${OTHER_PROPOSAL_ID}/approve`), { form, maxRedirects: 0, failOnStatusCode: false });
  const allowed = withToken ? [403] : [400, 403];
  assert.ok(allowed.includes(res.status()), `a reader's POST /ui/proposals/${OTHER_PROPOSAL_ID}/approve (${withToken ? 'with' : 'without'} a CSRF token) answered ${res.status()}, want ${allowed.join(' or ')}`);
  const got = await apiGet(`${PROPOSAL_API}/${OTHER_PROPOSAL_ID}`); // {proposal, report}
  const state = (got.proposal ?? got).state;
  assert.equal(state, 'pending', `after the reader's forged approval, proposal #${OTHER_PROPOSAL_ID} is ${state}`);
  console.log(`  forged approve (${withToken ? 'with' : 'without'} CSRF token): ${res.status()}; proposal still pending`);
});

step('h. sign in with an API token', async () => {
  await signOut(page);
  await signIn(page, { token: ADMIN.token });
  await assertSignedInAs(page, ADMIN.user);
  const links = await navLinks(page);
  for (const l of ['Streams', 'Lineage', 'Proposals', 'Audit', 'Subjects']) {
    assert.ok(links.includes(l), `an admin's Main navigation lacks "${l}": ${links}`);
  }
  await clickAndLoad(page, mainNav(page).getByRole('link', exact('Subjects')));
  assert.equal(pathOf(page), '/ui/subjects', `the Subjects link went to ${page.url()}`);
  assert.ok(await page.getByText(STREAM_SUBJECT, { exact: true }).first().isVisible(), `/ui/subjects does not list ${STREAM_SUBJECT}`);
});

step('i. lineage', async () => {
  await goto(page, `/ui/lineage?stream=${LINEAGE_STREAM}&depth=2`);
  const svg = page.locator('svg').filter({ has: page.locator('a') }).first();
  await svg.waitFor();
  const nodes = svg.locator('a');
  const count = await nodes.count();
  assert.ok(count >= 3, `the lineage graph of ${LINEAGE_STREAM} has ${count} node links, want at least 3`);
  assert.ok((await page.getByLabel('Depth', { exact: true }).count()) === 1, 'no "Depth" select');
  assert.equal(await page.getByRole('button', exact('Show')).count(), 1, 'no "Show" button');
  const node = nodes.filter({ hasText: LINEAGE_NODE }).first();
  assert.ok(await node.count(), `the lineage graph of ${LINEAGE_STREAM} has no node ${LINEAGE_NODE}`);
  const before = page.url();
  await clickAndLoad(page, node);
  assert.notEqual(page.url(), before, 'clicking a lineage node did not navigate');
  assert.ok(decodeURIComponent(page.url()).includes(LINEAGE_NODE), `clicking ${LINEAGE_NODE} went to ${page.url()}`);
  console.log(`  ${count} node links; ${LINEAGE_NODE} -> ${page.url().slice(BASE.length)}`);
  // The Depth select and Show button.
  await goto(page, `/ui/lineage?stream=${LINEAGE_STREAM}&depth=2`);
  await page.getByLabel('Depth', { exact: true }).selectOption('1');
  await clickAndLoad(page, page.getByRole('button', exact('Show')));
  assert.equal(new URL(page.url()).searchParams.get('depth'), '1', `Show went to ${page.url()}, want depth=1`);
});

// Every page, light and dark, as the admin (who may see every page).
const PAGES = [
  ['streams', '/ui/streams'],
  ['stream', `/ui/streams/${STREAM}`],
  ['diff', `/ui/streams/${INCOMPAT_STREAM}/diff?subject=${INCOMPAT_SUBJECT}&from=1&to=2`],
  ['lineage', `/ui/lineage?stream=${LINEAGE_STREAM}&depth=2`],
  ['proposals', '/ui/proposals'],
  ['proposal', `/ui/proposals/${OTHER_PROPOSAL_ID}`],
  ['audit', '/ui/audit'],
  ['subjects', '/ui/subjects'],
];

// The colours a page is drawn with: the root's background and text.
async function colours(page) {
  return page.evaluate(() => {
    const cs = getComputedStyle(document.documentElement);
    return `${cs.backgroundColor} / ${cs.color}`;
  });
}

const seen = {};
for (const scheme of ['light', 'dark']) {
  step(`j. screenshots (${scheme})`, async () => {
    await mkdir(SHOTS, { recursive: true });
    const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 800 } });
    try {
      const p = await context.newPage();
      p.setDefaultTimeout(10000);
      p.setDefaultNavigationTimeout(15000);
      const took = [];
      let t0 = Date.now();
      await goto(p, '/ui/login');
      await shot(p, 'login', scheme);
      took.push(`login ${Date.now() - t0}`);
      seen[scheme] = await colours(p);
      await signIn(p, ADMIN);
      for (const [name, where] of PAGES) {
        t0 = Date.now();
        await goto(p, where);
        await shot(p, name, scheme);
        took.push(`${name} ${Date.now() - t0}`);
      }
      console.log(`  ${PAGES.length + 1} pages in ${SHOTS}/*-${scheme}.png (ms: ${took.join(', ')}); colours ${seen[scheme]}`);
    } finally {
      await context.close();
    }
    if (scheme === 'dark') {
      assert.notEqual(seen.dark, seen.light, 'the dark colour scheme draws the page like the light one (prefers-color-scheme: dark is not honoured)');
    }
  });
}

// ---------------------------------------------------------------- run

function withTimeout(promise, ms, name) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`step timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const started = Date.now();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  console.log(`chromium ${browser.version()} against ${BASE}`);
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(10000);
  page.setDefaultNavigationTimeout(15000);
  let passed = 0;
  for (const { name, fn } of steps) {
    const t0 = Date.now();
    try {
      await withTimeout(fn(), STEP_TIMEOUT, name);
    } catch (err) {
      console.log(`FAIL ${name} (${Date.now() - t0} ms)`);
      console.log(`  ${String(err && err.message || err).split('\n').join('\n  ')}`);
      try {
        console.log(`  at ${page.url()}`);
        await mkdir(SHOTS, { recursive: true });
        const file = path.join(SHOTS, `FAILED-${name.split('.')[0]}.png`);
        await page.screenshot({ path: file, fullPage: true, timeout: 5000 });
        console.log(`  screenshot of the page: ${file}`);
        const text = (await page.locator('body').innerText({ timeout: 2000 })).replace(/\n\s*\n+/g, '\n').slice(0, 2000);
        console.log(`  page text:\n    ${text.split('\n').join('\n    ')}`);
      } catch { /* the page may be gone */ }
      console.log(`ui.e2e: ${passed} steps passed, failed at "${name}"`);
      await browser.close().catch(() => {});
      process.exit(1);
    }
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  }
  await browser.close();
  console.log(`ui.e2e: all ${passed} steps passed in ${Date.now() - started} ms`);
}

main().catch(async (err) => {
  console.error(`ui.e2e: ${err && err.stack || err}`);
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
});
