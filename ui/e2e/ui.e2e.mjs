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
  await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`), fullPage: true, timeout: 30000 });
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
const step = (name, fn, timeout) => steps.push({ name, fn, timeout });
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

// ------------------------------------------------ issue 15: at scale
//
// The script seeds what the review scenarios below need through the API
// as the admin (so the Go test's seeding stays as it was): a 200-field
// Avro stream `catalog` with two versions, a 40-node lineage graph around
// it (26 consumers, one reading `note`; a fan-out; two streams without a
// contract; an upstream chain of depth 3), a private stream read outside
// its domain, a stale field declaration, and two proposals on catalog by
// its owner: one removes `note` and adds `currency` (stays pending), the
// other adds `tmp` (rejected in the browser).

const CATALOG = 'catalog';
const CATALOG_OWNER = 'catalog-svc';
const HURT = 'support-svc';
const big = { catalog: {} };

async function api(method, p, body, auth) {
  const headers = { Authorization: auth ?? ('Basic ' + Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url(p), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  assert.ok(res.status < 300, `seed: ${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function catalogSchema({ drop = [], add = [] } = {}) {
  const names = [];
  for (let i = 0; i < 200; i++) names.push({ 0: 'id', 10: 'email', 11: 'customer_id', 150: 'note' }[i] ?? `attr_${String(i).padStart(3, '0')}`);
  const fields = names.filter((n) => !drop.includes(n)).map((n) => ({ name: n, type: 'string', default: '' }));
  for (const n of add) fields.push({ name: n, type: 'string', default: '' });
  return JSON.stringify({ type: 'record', name: 'CatalogItem', namespace: 'acme.catalog', fields });
}

step('k0. seed a 200-field stream and a 40-node lineage graph', async () => {
  await api('POST', '/v1/principals', { name: CATALOG_OWNER, roles: ['service'] });
  const tok = (await api('POST', '/v1/tokens', { principal: CATALOG_OWNER, description: 'ui e2e' })).token;
  const owner = 'Bearer ' + tok;
  await api('POST', '/v1/streams', { name: CATALOG, owner: CATALOG_OWNER, eventType: 'state', visibility: 'public', description: 'Every item of the catalog, 200 attributes', tags: { domain: 'catalog', labels: ['identity'] }, compatibility: 'BACKWARD' });
  await api('POST', `/subjects/${CATALOG}-key/versions`, { schema: '"string"' }, owner);
  await api('POST', `/subjects/${CATALOG}-value/versions`, { schema: catalogSchema() }, owner);
  await api('POST', `/subjects/${CATALOG}-value/versions`, { schema: catalogSchema({ add: ['loyalty_tier'] }) }, owner);
  const edges = [
    { kind: 'produces', from: 'pim-svc', to: 'catalog-raw' },
    { kind: 'derived_from', from: 'catalog-raw', to: 'catalog-staging' },
    { kind: 'derived_from', from: 'catalog-staging', to: CATALOG },
    { kind: 'derived_from', from: 'vendor-feed-1', to: 'catalog-raw' },
    { kind: 'derived_from', from: 'vendor-feed-2', to: 'catalog-raw' },
    { kind: 'derived_from', from: 'vendor-feed-3', to: 'catalog-raw' },
    { kind: 'derived_from', from: 'vendor-feed-4', to: 'catalog-raw' },
    { kind: 'derived_from', from: 'vendor-feed-5', to: 'catalog-raw' },
    { kind: 'consumes', from: CATALOG, to: HURT, fields: ['id', 'note'] },
    { kind: 'derived_from', from: CATALOG, to: 'catalog-archive' },
    { kind: 'consumes', from: 'catalog-archive', to: 'archive-svc' },
    { kind: 'consumes', from: 'catalog-archive', to: 'audit-svc' },
    { kind: 'consumes', from: 'catalog-archive', to: 'compliance-svc' },
    { kind: 'derived_from', from: CATALOG, to: 'catalog-search' },
    { kind: 'consumes', from: 'catalog-search', to: 'search-svc' },
    { kind: 'consumes', from: INCOMPAT_STREAM, to: 'marketing-svc' }, // private, outside its domain
  ];
  for (let i = 1; i <= 20; i++) edges.push({ kind: 'consumes', from: CATALOG, to: `reader-svc-${String(i).padStart(2, '0')}`, fields: i === 20 ? ['id', 'legacy_code'] : ['id', 'email'] });
  for (let i = 1; i <= 4; i++) edges.push({ kind: 'consumes', from: CATALOG, to: `bi-${String(i).padStart(2, '0')}` });
  for (const e of edges) await api('POST', '/v1/lineage/edges', e);
  const a = await api('POST', '/v1/proposals', { stream: CATALOG, schema: catalogSchema({ add: ['loyalty_tier', 'currency'], drop: ['note'] }), description: 'Drop the free-text note, add the price currency' }, owner);
  const b = await api('POST', '/v1/proposals', { stream: CATALOG, schema: catalogSchema({ add: ['loyalty_tier', 'tmp'] }), description: 'A temporary attribute' }, owner);
  big.pending = String((a.proposal ?? a).id);
  big.toReject = String((b.proposal ?? b).id);
  console.log(`  catalog: 200 fields, versions 1-2; ${edges.length} edges; proposals #${big.pending} (pending) and #${big.toReject} (to reject)`);
});

step('k. who is hurt comes first', async () => {
  await signOut(page);
  await signIn(page, REVIEWER);
  await goto(page, `/ui/proposals/${big.pending}`);
  const summary = (await page.locator('.impact-summary').innerText()).trim();
  assert.ok(summary.includes(`1 consumer reads a changed field: ${HURT}.`), `the impact summary is ${JSON.stringify(summary)}`);
  assert.ok(/\d+ reached, unaffected as declared; \d+ declare no fields/.test(summary), `the summary does not count the unaffected and undeclared: ${JSON.stringify(summary)}`);
  assert.ok(summary.includes('Added: currency'), `the summary does not name the added field: ${JSON.stringify(summary)}`);
  const rows = await tableRows(page, ['Consumer', 'Affected', 'Fields it reads that change']);
  assert.equal(rows[0].Consumer, HURT, `the first consumer row is ${rows[0].Consumer}, want ${HURT}`);
  assert.equal(rows[0].Affected, 'affected', 'the hurt consumer is not marked affected (in text)');
  const names = rows.map((r) => r.Consumer);
  assert.equal(new Set(names).size, names.length, `duplicate consumer rows: ${names}`);
  assert.ok(names.length >= 25, `only ${names.length} consumers listed`);
  const box = await page.locator('.impact-summary').boundingBox();
  assert.ok(box && box.y + box.height < 800, `the impact summary is below the fold (y=${box && box.y})`);
  console.log(`  ${JSON.stringify(summary.split('\n')[0])}; ${names.length} consumers, ${HURT} first`);
});

step('l. evidence before the decision', async () => {
  // In tab order the report's links come before Approve.
  const order = await page.evaluate(() => {
    const all = [...document.querySelectorAll('a[href], button, textarea, input, select')].filter((el) => !el.closest('[hidden]'));
    const at = (pred) => all.findIndex(pred);
    return { approve: at((el) => el.textContent.trim() === 'Approve'), report: at((el) => el.closest('.impact')), diff: at((el) => el.closest('.changes')) };
  });
  assert.ok(order.report >= 0 && order.approve > order.report && order.approve > order.diff, `Approve is tab stop ${order.approve}, the report's first link ${order.report}, the diff's ${order.diff}`);
  await goto(page, `/ui/proposals/${big.toReject}`);
  const comment = page.getByLabel('Comment', { exact: true });
  const r1 = await clickAndLoad(page, page.getByRole('button', exact('Reject')));
  assert.equal(r1.status(), 422, `Reject without a comment answered ${r1.status()}`);
  assert.ok((await page.getByRole('alert').innerText()).includes('needs a comment'), 'no alert saying a rejection needs a comment');
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'comment', 'focus is not on the comment after a refused rejection');
  await comment.fill('tmp is not a contract field: use a header');
  const r2 = await clickAndLoad(page, page.getByRole('button', exact('Reject')));
  assert.equal(pathOf(page), `/ui/proposals/${big.toReject}`, `Reject landed on ${page.url()} (${r2.status()})`);
  const status = page.getByRole('status').filter({ hasText: 'Rejected by' });
  assert.ok(await status.isVisible(), 'no confirmation after Reject');
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'outcome', 'focus is not on the confirmation after deciding');
  console.log(`  refused without comment (422, alert, focus on Comment); rejected: ${JSON.stringify((await status.innerText()).trim())}`);
});

step('m. decisions keep their evidence', async () => {
  const text = await bodyText(page);
  assert.ok(text.includes('Report at decision time'), 'the decided proposal shows no stored report');
  assert.ok(await page.locator('.impact-summary').isVisible(), 'the decided proposal lost its impact summary');
  assert.ok(text.includes('tmp is not a contract field'), 'the decided proposal does not show the comment');
  await goto(page, '/ui/audit?action=proposal.reject');
  const row = entryWith(page, ['proposal.reject', REVIEWER.user]).first();
  assert.ok(await row.getByRole('link', { name: `Proposal #${big.toReject}` }).isVisible(), 'the audit entry does not link the proposal');
  assert.ok((await row.innerText()).includes('tmp is not a contract field'), 'the audit entry does not carry the comment');
});

step('n. long diffs fold and navigate', async () => {
  await goto(page, `/ui/streams/${CATALOG}/diff?subject=${CATALOG}-value&from=1&to=2`);
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(height < 4000, `the 200-field diff page is ${height} px tall`);
  const list = page.getByRole('navigation', { name: /change/ });
  const first = list.getByRole('link').first();
  assert.ok((await first.innerText()).length > 0, 'no list of changes');
  assert.ok((await list.innerText()).includes('loyalty_tier'), 'the list of changes does not name the added field');
  await page.locator('body').press('n');
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  assert.equal(focused, 'change-1', `the key n focused ${focused}, want change-1`);
  assert.ok((await page.locator('#change-1').innerText()).includes('+'), 'the added line has no + marker');
  const said = (await page.locator('#change-1 .visually-hidden').allTextContents()).join(' ');
  assert.ok(/added|removed/.test(said), `the changed line does not say "added" or "removed" in text: ${JSON.stringify(said)}`);
  await page.getByRole('button', exact('Previous change')).click();
  // The proposal offers the inline view too.
  await goto(page, `/ui/proposals/${big.pending}`);
  await page.getByRole('link', exact('inline')).click();
  assert.ok(await page.locator('table.diff.inline').isVisible(), 'the proposal has no inline view');
  const ph = await page.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(ph < 6000, `the proposal page is ${ph} px tall`);
  console.log(`  diff ${height} px, proposal ${ph} px; n -> #${focused}`);
});

step('o. triage the proposals', async () => {
  await goto(page, '/ui/proposals');
  const nav = await mainNav(page).getByRole('link', { name: /^Proposals\b/ }).innerText();
  assert.ok(/Proposals\s+\d+/.test(nav), `the navigation shows no pending count: ${JSON.stringify(nav)}`);
  const rows = await tableRows(page, ['Proposal', 'Verdict', 'Affected consumers', 'Visibility', 'Description', 'Age']);
  const row = rows.find((r) => r.Proposal.startsWith(`#${big.pending}`));
  assert.ok(row, `the pending catalog proposal is not listed: ${JSON.stringify(rows)}`);
  assert.ok(row['Affected consumers'].startsWith('1 of'), `its affected consumers: ${row['Affected consumers']}`);
  assert.equal(row.Visibility, 'public');
  await page.getByLabel('Breaking only', { exact: true }).check();
  await clickAndLoad(page, page.getByRole('button', exact('Filter')));
  const breaking = (await tableRows(page, ['Proposal', 'Verdict'])).map((r) => r.Proposal.split('\n')[0]);
  assert.ok(breaking.includes(`#${big.pending}`) && !breaking.includes(`#${OTHER_PROPOSAL_ID}`), `breaking only lists ${breaking}`);
  for (const label of ['Mine to review', 'Public streams only']) assert.equal(await page.getByLabel(label, { exact: true }).count(), 1, `no "${label}" filter`);
});

step('p. lineage at scale', async () => {
  await goto(page, `/ui/lineage?stream=${CATALOG}&depth=5`);
  const svg = page.locator('svg.graph');
  const width = (await svg.boundingBox()).width;
  assert.ok(width > 1100, `the graph is ${width} px wide in a 1280 px window`);
  const more = svg.locator('a.node.more');
  assert.ok((await more.count()) >= 1, 'no fan-out is folded into a +N node');
  const label = await more.first().textContent();
  assert.ok(/\+\d+ consumers/.test(label), `the +N node says ${JSON.stringify(label)}`);
  for (const b of ['Zoom in', 'Zoom out', 'Fit to screen', 'Focus the root']) assert.ok(await page.getByRole('button', exact(b)).isVisible(), `no "${b}" button`);
  const before = await svg.getAttribute('viewBox');
  await page.getByRole('button', exact('Zoom in')).click();
  assert.notEqual(await svg.getAttribute('viewBox'), before, 'Zoom in does not zoom');
  await page.getByRole('button', exact('Fit to screen')).click();
  // A drawn node, then one folded into the +N node (the page draws every node and finds it).
  await page.getByLabel('Find a node', { exact: true }).fill('catalog-archive');
  await page.getByLabel('Find a node', { exact: true }).press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('data-name')), 'catalog-archive', 'Find a node does not focus it');
  const drawnFolded = await svg.locator('a.node').count();
  await page.getByLabel('Find a node', { exact: true }).fill(HURT);
  await Promise.all([page.waitForURL(/find=/), page.getByLabel('Find a node', { exact: true }).press('Enter')]);
  await page.waitForLoadState('load');
  await page.waitForFunction((n) => document.activeElement && document.activeElement.getAttribute('data-name') === n, HURT, { timeout: 5000 });
  assert.ok((await svg.locator('a.node').count()) > drawnFolded, 'finding a folded node did not draw the fan-out');
  await page.getByRole('button', exact('Focus the root')).click();
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('data-name')), CATALOG, 'Focus the root does not focus it');
  const listed = (await tableRows(page, ['Node', 'Kind'])).length;
  assert.ok(listed >= 40, `the node table lists ${listed} nodes, want the 40-node graph`);
  await goto(page, `/ui/lineage?stream=${CATALOG}&depth=5`);
  const drawn = await svg.locator('a.node').count();
  await clickAndLoad(page, more.first());
  assert.ok(page.url().includes('expand='), `the +N node went to ${page.url()}`);
  console.log(`  ${listed} nodes, ${drawn} drawn folded; graph ${Math.round(width)} px wide; +N: ${JSON.stringify(label)}`);
});

step('q. lineage truth', async () => {
  await goto(page, `/ui/lineage?stream=${CATALOG}&depth=2`);
  const rows = await tableRows(page, ['Node', 'Kind', 'Visibility']);
  const archive = rows.find((r) => r.Node === 'catalog-archive');
  assert.equal(archive && archive.Visibility, 'no contract', `catalog-archive shows as ${archive && archive.Visibility}`);
  await clickAndLoad(page, page.getByRole('table').getByRole('link', exact('catalog-archive')));
  assert.ok((await bodyText(page)).includes('No contract declares this stream'), `the contractless stream's page: ${page.url()}`);
  await goto(page, `/ui/streams/${INCOMPAT_STREAM}`);
  assert.ok((await bodyText(page)).includes('marketing-svc'), 'the private stream read outside its domain shows no finding');
  await goto(page, `/ui/lineage?stream=${INCOMPAT_STREAM}`);
  assert.ok(await page.getByRole('heading', exact('Governance findings')).isVisible(), 'the lineage page shows no findings');
});

step('r. stale declarations and history', async () => {
  await goto(page, `/ui/streams/${CATALOG}`);
  const text = await bodyText(page);
  assert.ok(/legacy_code \(stale\)/.test(text), 'the stale declared field is not flagged');
  const rows = await tableRows(page, ['Version', 'Change from the previous version', 'Verdict']);
  const v2 = rows.find((r) => r.Version === '2');
  assert.ok(v2['Change from the previous version'].includes('+ loyalty_tier'), `version 2's change: ${v2['Change from the previous version']}`);
  assert.ok(v2.Verdict.startsWith('compatible'), `version 2's verdict: ${v2.Verdict}`);
  await goto(page, `/ui/streams/${INCOMPAT_STREAM}`);
  const bad = (await tableRows(page, ['Version', 'Verdict'])).find((r) => r.Version === '2');
  assert.ok(bad.Verdict.startsWith('incompatible'), `the incompatible step says ${bad.Verdict}`);
});

step('t. errors keep context', async () => {
  const resp = await page.goto(url('/ui/streams/no-such-stream'), { referer: url('/ui/proposals?state=all') });
  assert.equal(resp.status(), 404);
  const back = page.getByRole('link', exact('Back to where you were'));
  assert.equal(await back.getAttribute('href'), '/ui/proposals?state=all', 'the error page does not link back');
});

// Every page, both themes, at 1280×800 and 1920×1080, as the admin (who
// may see every page): a full-page screenshot each, and axe-core on each
// page in each theme (0 violations).
const PAGES = [
  ['streams', '/ui/streams'],
  ['stream', `/ui/streams/${STREAM}`],
  ['stream-large', `/ui/streams/${CATALOG}`],
  ['stream-contractless', '/ui/streams/catalog-archive'],
  ['diff', `/ui/streams/${INCOMPAT_STREAM}/diff?subject=${INCOMPAT_SUBJECT}&from=1&to=2`],
  ['diff-large', `/ui/streams/${CATALOG}/diff?subject=${CATALOG}-value&from=1&to=2`],
  ['lineage', `/ui/lineage?stream=${LINEAGE_STREAM}&depth=2`],
  ['lineage-large', `/ui/lineage?stream=${CATALOG}&depth=5`],
  ['proposals', '/ui/proposals?state=all'],
  ['proposal', `/ui/proposals/${OTHER_PROPOSAL_ID}`],
  ['proposal-large', () => `/ui/proposals/${big.pending}`],
  ['proposal-decided', () => `/ui/proposals/${big.toReject}`],
  ['audit', '/ui/audit'],
  ['subjects', '/ui/subjects'],
  ['schema', '/ui/schemas/1'],
  ['search', '/ui/search?q=orders'],
  ['error', '/ui/streams/no-such-stream', 404],
];

const AXE = path.join(import.meta.dirname, 'node_modules', 'axe-core', 'axe.min.js');

// axe runs its default rules (WCAG 2.x A and AA, best practices) plus
// label-content-name-mismatch.
async function axeCheck(p, name) {
  await p.addScriptTag({ path: AXE });
  const res = await p.evaluate(async () => window.axe.run(document, { rules: { 'label-content-name-mismatch': { enabled: true } }, resultTypes: ['violations'] }));
  return res.violations.map((v) => `${name}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

// The colours a page is drawn with: the root's background and text.
async function colours(p) {
  return p.evaluate(() => {
    const cs = getComputedStyle(document.documentElement);
    return `${cs.backgroundColor} / ${cs.color}`;
  });
}

const seen = {};
const SIZES = [[1280, 800], [1920, 1080]];
for (const scheme of ['light', 'dark']) {
  for (const [w, h] of SIZES) {
    step(`u. every page: screenshots${w === 1280 ? ' and axe' : ''} (${scheme}, ${w}×${h})`, async () => {
      await mkdir(SHOTS, { recursive: true });
      // bypassCSP lets the test inject axe; the pages' own CSP is unchanged.
      const context = await browser.newContext({ colorScheme: scheme, viewport: { width: w, height: h }, bypassCSP: true });
      const problems = [];
      try {
        const p = await context.newPage();
        p.setDefaultTimeout(10000);
        p.setDefaultNavigationTimeout(15000);
        const took = [];
        let t0 = Date.now();
        await goto(p, '/ui/login');
        await shot(p, `login-${w}`, scheme);
        if (w === 1280) problems.push(...await axeCheck(p, 'login'));
        took.push(`login ${Date.now() - t0}`);
        seen[scheme] = await colours(p);
        await signIn(p, ADMIN);
        for (const [name, where, status] of PAGES) {
          t0 = Date.now();
          await goto(p, typeof where === 'function' ? where() : where, status ?? 200);
          await shot(p, `${name}-${w}`, scheme);
          if (w === 1280) problems.push(...await axeCheck(p, name));
          took.push(`${name} ${Date.now() - t0}`);
        }
        console.log(`  ${PAGES.length + 1} pages in ${SHOTS}/*-${w}-${scheme}.png (ms: ${took.join(', ')}); colours ${seen[scheme]}`);
      } finally {
        await context.close();
      }
      assert.deepEqual(problems, [], `axe-core violations (${scheme}):\n${problems.join('\n')}`);
      if (scheme === 'dark') {
        assert.notEqual(seen.dark, seen.light, 'the dark colour scheme draws the page like the light one (prefers-color-scheme: dark is not honoured)');
      }
    }, 480000);
  }
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
  for (const { name, fn, timeout } of steps) {
    const t0 = Date.now();
    try {
      await withTimeout(fn(), timeout ?? STEP_TIMEOUT, name);
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
