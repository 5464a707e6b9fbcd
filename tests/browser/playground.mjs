// The playground in a real browser (Debian's Chromium through playwright-core),
// against a running server on loopback. scripts/check-graphiql.sh prepares the
// server and the two members, then runs:
//
//   node playground.mjs <server base url> <email> <password> <inviter token> <ledger id> <artifacts dir>
//
// 1. opens the playground; 2. signs in with the `login` mutation; 3. pastes the
// access token into the Headers editor; 4. runs `me`; 5. starts a
// `notificationReceived` subscription; 6. from a second browser tab, the
// inviter invites this member to a shared ledger; 7. the INVITATION_RECEIVED
// notification arrives in the first tab; 8. screenshots go to the artifacts
// directory. Every request the pages make must stay on loopback.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [base, email, password, inviterToken, ledgerId, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node playground.mjs <base url> <email> <password> <inviter token> <ledger id> <artifacts dir>');
  process.exit(2);
}
fs.mkdirSync(artifacts, { recursive: true });
const TIMEOUT = 20_000;
const LOOPBACK = /^(https?|wss?):\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/;

const step = (message) => console.log(`browser: ${message}`);
const requests = [];
const offLoopback = [];
const record = (url) => {
  requests.push(url);
  if (!LOOPBACK.test(url)) offLoopback.push(url);
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-default-apps'],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
// Nothing may leave the machine: off-loopback requests are recorded (and fail
// the test) and aborted rather than sent.
await context.route((url) => !LOOPBACK.test(url.href), (route) => route.abort());
let failed = false;
const shots = [];
const shot = async (page, name) => {
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file });
  shots.push(file);
};

// The WebSocket's connection_init payload, as the first page sent it.
let connectionInit = null;
let acknowledged = false;
let subscribed = false;

function watch(page, label) {
  page.on('request', (request) => record(request.url()));
  page.on('websocket', (socket) => {
    record(socket.url());
    socket.on('framesent', ({ payload }) => {
      const message = JSON.parse(String(payload));
      if (label === 'first' && message.type === 'connection_init') connectionInit = message.payload;
      if (label === 'first' && message.type === 'subscribe') subscribed = true;
    });
    socket.on('framereceived', ({ payload }) => {
      if (label === 'first' && JSON.parse(String(payload)).type === 'connection_ack') acknowledged = true;
    });
  });
  page.on('pageerror', (error) => console.error(`browser: page error (${label}): ${error.message}`));
}

// The CodeMirror editor of the query, or of the visible tool (variables or headers).
async function editorValue(page, which) {
  return page.evaluate((which) => {
    const selector = which === 'query' ? '.graphiql-query-editor .CodeMirror'
      : which === 'result' ? '.result-window .CodeMirror'
        : '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
    return document.querySelector(selector)?.CodeMirror.getValue() ?? null;
  }, which);
}

async function showTool(page, name) {
  await page.locator('.graphiql-editor-tools').getByRole('button', { name, exact: true }).click();
}

async function setQuery(page, text) {
  await page.evaluate((text) => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(text);
  }, text);
  // GraphiQL parses the document (operation name, subscription or not) after
  // a short debounce.
  await page.waitForTimeout(1000);
}

// Pastes text into the visible tool editor, as a person would: focus it,
// select everything, paste over it.
async function pasteInto(page, tool, text) {
  await showTool(page, tool);
  await page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
  const value = await editorValue(page, 'tool');
  if (value !== text) throw new Error(`the ${tool} editor holds ${JSON.stringify(value)}, not the pasted text`);
}

async function run(page, expect) {
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(
    (expect) => document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue().includes(expect),
    expect,
    { timeout: TIMEOUT },
  );
  return editorValue(page, 'result');
}

async function open(page) {
  await page.goto(`${base}/`);
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: TIMEOUT });
}

try {
  const first = await context.newPage();
  watch(first, 'first');

  step('1. open the playground');
  await open(first);
  const hint = await (async () => { await showTool(first, 'Headers'); return editorValue(first, 'tool'); })();
  if (!hint.includes('Authorization') || !hint.includes('Bearer <paste accessToken here>')) {
    throw new Error(`the Headers editor has no Authorization hint: ${hint}`);
  }
  const opening = await editorValue(first, 'query');
  if (!opening.includes('login(')) throw new Error('the first example tab is not the sign-in mutation');
  await shot(first, '1-opened');

  step('2. sign in with the login mutation');
  await pasteInto(first, 'Variables', JSON.stringify({ email, password }));
  const signedIn = JSON.parse(await run(first, 'accessToken'));
  const token = signedIn.data?.login?.accessToken;
  if (!token) throw new Error(`login returned no accessToken: ${JSON.stringify(signedIn)}`);

  step('3. paste the access token into the Headers editor');
  await pasteInto(first, 'Headers', JSON.stringify({ Authorization: `Bearer ${token}` }));

  step('4. run me');
  await setQuery(first, 'query Me {\n  me {\n    id\n    email\n    nickName\n  }\n}');
  await pasteInto(first, 'Variables', '{}');
  const me = JSON.parse(await run(first, email));
  if (me.data?.me?.email !== email) throw new Error(`me answered ${JSON.stringify(me)}`);
  await shot(first, '2-me');

  step('5. subscribe to notificationReceived');
  await setQuery(first, 'subscription Notifications {\n  notificationReceived {\n    kind\n    message\n    ledgerId\n  }\n}');
  await first.click('.graphiql-execute-button');
  const deadline = Date.now() + TIMEOUT;
  while (!(acknowledged && subscribed) && Date.now() < deadline) await first.waitForTimeout(100);
  if (!acknowledged || !subscribed) throw new Error('the subscription did not start (no connection_ack/subscribe)');
  if (connectionInit?.Authorization !== `Bearer ${token}`) {
    throw new Error(`connection_init payload without the token: ${JSON.stringify(connectionInit)}`);
  }
  // Give the server a moment to register the subscriber before the event.
  await first.waitForTimeout(500);

  step('6. from a second tab, the other member invites this one');
  const second = await context.newPage();
  watch(second, 'second');
  await open(second);
  await pasteInto(second, 'Headers', JSON.stringify({ Authorization: `Bearer ${inviterToken}` }));
  await setQuery(second, 'mutation Invite($ledgerId: ID!, $emails: [String!]!) {\n  inviteMembers(ledgerId: $ledgerId, emails: $emails) {\n    id\n    inviteeEmail\n    status\n  }\n}');
  await pasteInto(second, 'Variables', JSON.stringify({ ledgerId, emails: [email] }));
  const invited = JSON.parse(await run(second, 'PENDING'));
  if (invited.data?.inviteMembers?.[0]?.inviteeEmail !== email) throw new Error(`inviteMembers answered ${JSON.stringify(invited)}`);
  await shot(second, '3-invited');

  step('7. the notification arrives in the first tab');
  await first.bringToFront();
  await first.waitForFunction(
    () => document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue().includes('INVITATION_RECEIVED'),
    null,
    { timeout: TIMEOUT },
  );
  const event = await editorValue(first, 'result');
  console.log(event);
  await shot(first, '4-notification');
} catch (error) {
  failed = true;
  console.error(`browser: FAILED: ${error.stack || error}`);
  for (const [index, page] of context.pages().entries()) {
    await page.screenshot({ path: path.join(artifacts, `failure-${index}.png`) }).catch(() => {});
  }
}

step(`8. screenshots: ${shots.join(', ')}`);
const hosts = [...new Set(requests.map((url) => url.replace(/^([a-z]+:\/\/[^/]+).*$/, '$1')))];
step(`${requests.length} requests, to ${hosts.join(', ')}`);
if (offLoopback.length > 0) {
  failed = true;
  console.error(`browser: FAILED: requests off loopback:\n${offLoopback.join('\n')}`);
}
await browser.close();
step(failed ? 'FAILED' : 'passed');
process.exit(failed ? 1 : 0);
