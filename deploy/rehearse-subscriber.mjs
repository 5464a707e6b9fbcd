// Subscriber for deploy/rehearse: one member's notificationReceived subscription through
// nginx, with the reference graphql-ws client (tests/js/node_modules), held open across
// the deploys. When its instance stops, the server closes the socket with 1001 (going
// away); the client reconnects through nginx (so to a live instance), subscribes again,
// and then reads me.notifications for what was created while it was away, as docs/API.md
// tells clients to.
//
//   node rehearse-subscriber.mjs run URL SEED_JSON OUT_JSON
//       subscribes as the last member of SEED_JSON (rehearse-load.mjs seed); touches
//       OUT_JSON.ready once subscribed; runs until SIGTERM/SIGINT, then writes every
//       connect, close (code, reason), notification received and notification found by
//       a refetch after a reconnect.
//   node rehearse-subscriber.mjs report OUT_JSON WINDOWS_FILE DB_IDS_FILE LOAD_RESULTS_JSON NGINX_UPGRADES
//       DB_IDS_FILE: the ids of every notification of that member in the database, one a
//       line; NGINX_UPGRADES: how many WebSocket upgrades (status 101) nginx logged.
//       Prints the numbers and exits 1 unless: at least one 1001 close, no other close
//       code, a reconnect after every close, and every notification in the database
//       received live or found after a reconnect.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const [mode, ...args] = process.argv.slice(2);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// After a reconnect: let the server set the new subscription up (it reads the newest
// notification id then) before reading me.notifications, so that the two overlap.
const REFETCH_DELAY_MS = 500;
const QUERY = 'subscription { notificationReceived { id kind } }';
const PAGE_QUERY =
  'query($after: ID) { me { notifications(first: 100, after: $after) { nodes { id } hasMore } } }';

async function run([url, seedFile, out]) {
  let createClient;
  let WebSocket;
  try {
    const require = createRequire(join(ROOT, 'tests/js/package.json'));
    ({ createClient } = require('graphql-ws'));
    WebSocket = require('ws');
  } catch (error) {
    throw new Error(`graphql-ws or ws missing: run npm ci --prefix tests/js (${error.message})`);
  }
  const members = JSON.parse(readFileSync(seedFile, 'utf8'));
  const member = members[members.length - 1];
  const wsUrl = url.replace(/^http/, 'ws');

  const connects = []; // { at, wasRetry }
  const closes = []; // { at, code, reason } of a socket that had been acknowledged
  const failedAttempts = []; // { at, code, reason } of a socket closed before the ack
  const errors = []; // socket errors, as messages
  const received = []; // { id, kind, at }
  const refetches = []; // { at, connect, pages, found: [ids], attempts, error }
  const known = new Set();
  let acknowledged = false;
  let stopping = false;
  let ended = null;
  const pending = new Set();

  async function page(after) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${member.token}` },
      body: JSON.stringify({ query: PAGE_QUERY, variables: { after } }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = await response.json();
    if (response.status !== 200 || body.errors || !body.data?.me) {
      throw new Error(`HTTP ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
    }
    return body.data.me.notifications;
  }

  // Newest first, page by page, until a page brings nothing new (or there is no more).
  async function refetch(connect) {
    const record = { at: Date.now(), connect, pages: 0, found: [], attempts: 0, error: null };
    for (;;) {
      record.attempts++;
      try {
        let after = null;
        for (;;) {
          const { nodes, hasMore } = await page(after);
          record.pages++;
          const fresh = nodes.map((n) => n.id).filter((id) => !known.has(id));
          for (const id of fresh) {
            known.add(id);
            record.found.push(id);
          }
          if (!hasMore || fresh.length === 0 || nodes.length === 0) break;
          after = nodes[nodes.length - 1].id;
        }
        record.error = null;
        break;
      } catch (error) {
        record.error = `${error.cause?.code ?? error.name}: ${error.message}`;
        if (record.attempts >= 5) break;
        await sleep(200);
      }
    }
    refetches.push(record);
  }

  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${member.token}` },
    // graphql-ws's own backoff (1 s plus 0.3-3 s at the first retry), as the app uses it:
    // notifications are created meanwhile, which the refetch must find.
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: {
      connected: (_socket, _payload, wasRetry) => {
        acknowledged = true;
        connects.push({ at: Date.now(), wasRetry });
        const connect = connects.length;
        const task = sleep(REFETCH_DELAY_MS).then(() => refetch(connect));
        pending.add(task);
        task.finally(() => pending.delete(task));
      },
      closed: (event) => {
        if (stopping) return;
        const entry = { at: Date.now(), code: event?.code ?? null, reason: event?.reason ?? '' };
        (acknowledged ? closes : failedAttempts).push(entry);
        acknowledged = false;
      },
      error: (error) => errors.push(String(error?.message ?? error)),
    },
  });

  const unsubscribe = client.subscribe(
    { query: QUERY },
    {
      next: (value) => {
        const n = value.data?.notificationReceived;
        if (!n) {
          errors.push(`payload without data: ${JSON.stringify(value).slice(0, 200)}`);
          return;
        }
        received.push({ id: n.id, kind: n.kind, at: Date.now() });
        known.add(n.id);
      },
      error: (error) => {
        ended = `error: ${error?.code ?? ''} ${error?.reason ?? error?.message ?? JSON.stringify(error)}`;
      },
      complete: () => {
        if (!stopping) ended = 'completed by the server';
      },
    },
  );

  const done = new Promise((resolve) => {
    process.on('SIGTERM', resolve);
    process.on('SIGINT', resolve);
  });
  for (let i = 0; i < 100 && connects.length === 0 && !ended; i++) await sleep(100);
  if (connects.length === 0) throw new Error(`not subscribed within 10 s: ${ended ?? errors.join('; ')}`);
  await sleep(REFETCH_DELAY_MS + 200);
  writeFileSync(`${out}.ready`, '');
  console.error(`subscriber: ${member.email} subscribed through ${wsUrl}`);

  await done;
  await Promise.allSettled([...pending]);
  stopping = true;
  unsubscribe();
  await client.dispose();
  writeFileSync(out, JSON.stringify({ email: member.email, connects, closes, failedAttempts, errors, received, refetches, ended }));
  console.error(`subscriber: stopped after ${connects.length} connects, ${received.length} notifications received`);
}

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function report([resultsFile, windowsFile, dbIdsFile, loadResultsFile, nginxUpgrades]) {
  const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
  const windows = readFileSync(windowsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [label, start, end] = line.split(/\s+/);
      return { label, start: Number(start), end: Number(end) };
    });
  const dbIds = readFileSync(dbIdsFile, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
  const { records } = JSON.parse(readFileSync(loadResultsFile, 'utf8'));
  const invitesOk = records.filter((x) => x.kind === 'inviteMembers' && x.status === 200 && !x.gql).length;

  const receivedIds = r.received.map((n) => n.id);
  const live = new Set(receivedIds);
  const afterReconnect = new Set(r.refetches.filter((f) => f.connect > 1).flatMap((f) => f.found));
  const atFirstConnect = new Set(r.refetches.filter((f) => f.connect === 1).flatMap((f) => f.found));
  const db = new Set(dbIds);
  const missing = dbIds.filter((id) => !live.has(id) && !afterReconnect.has(id) && !atFirstConnect.has(id));
  const unknown = [...new Set([...live, ...afterReconnect])].filter((id) => !db.has(id));
  const twice = receivedIds.length - live.size;
  const fmt = (v) => (Number.isNaN(v) ? '-' : v.toFixed(0));

  const codes = {};
  for (const c of r.closes) codes[c.code] = (codes[c.code] ?? 0) + 1;
  const goingAway = r.closes.filter((c) => c.code === 1001);
  const inWindow = goingAway.filter((c) => windows.some((w) => c.at >= w.start && c.at <= w.end + 1000));
  // Time from each close to the next acknowledged connection.
  const gaps = [];
  let unreconnected = 0;
  for (const c of r.closes) {
    const next = r.connects.find((k) => k.at >= c.at);
    if (next) gaps.push(next.at - c.at);
    else unreconnected++;
  }
  const failedRefetches = r.refetches.filter((f) => f.error);
  const retriedRefetches = r.refetches.filter((f) => f.attempts > 1 && !f.error);

  console.log(`subscriber ${r.email}: notificationReceived through nginx, ${r.connects.length} connections ` +
    `(${r.connects.length - 1} reconnects), nginx logged ${nginxUpgrades} WebSocket upgrades (101)`);
  console.log(`  closes: ${r.closes.length} (by code: ${JSON.stringify(codes)}), 1001 going away: ${goingAway.length} ` +
    `(${inWindow.length} inside a switch window), not followed by a reconnect: ${unreconnected}`);
  console.log(`  reconnect ms after a close: p50=${fmt(percentile(gaps, 50))} max=${fmt(gaps.length ? Math.max(...gaps) : NaN)}; ` +
    `connection attempts refused before the ack: ${r.failedAttempts.length}`);
  console.log(`  me.notifications refetches: ${r.refetches.length} (${failedRefetches.length} failed, ` +
    `${retriedRefetches.length} needed a retry)`);
  console.log(`  notifications for the member in the database: ${dbIds.length} (inviteMembers succeeded: ${invitesOk}); ` +
    `received live ${live.size}, found in me.notifications after a reconnect ${afterReconnect.size}` +
    `${atFirstConnect.size ? `, at the first connect ${atFirstConnect.size}` : ''}, missing ${missing.length}`);
  console.log(`  received twice: ${twice}; received or found but not in the database: ${unknown.length}`);
  for (const c of r.closes.filter((c) => c.code !== 1001).slice(0, 10)) {
    console.log(`  CLOSE ${new Date(c.at).toISOString()} code=${c.code} reason=${c.reason}`);
  }
  for (const a of r.failedAttempts.slice(0, 10)) {
    console.log(`  REFUSED ${new Date(a.at).toISOString()} code=${a.code} reason=${a.reason}`);
  }
  for (const e of r.errors.slice(0, 10)) console.log(`  ERROR ${e}`);
  if (missing.length) console.log(`  MISSING ids: ${missing.slice(0, 20).join(' ')}`);

  const problems = [];
  if (goingAway.length === 0) problems.push('no 1001 close seen');
  if (r.closes.length !== goingAway.length) problems.push(`${r.closes.length - goingAway.length} closes with another code than 1001`);
  if (unreconnected || r.ended) problems.push(`the subscriber did not reconnect every time (${unreconnected} closes without a reconnect${r.ended ? `; subscription ended: ${r.ended}` : ''})`);
  if (r.failedAttempts.length) problems.push(`${r.failedAttempts.length} reconnect attempts refused`);
  if (failedRefetches.length) problems.push(`${failedRefetches.length} me.notifications refetches failed`);
  if (dbIds.length === 0) problems.push('no notification was created for the subscriber');
  if (missing.length) problems.push(`${missing.length} notifications neither received nor found after a reconnect`);
  if (unknown.length) problems.push(`${unknown.length} notifications seen that the database does not hold`);
  if (dbIds.length !== invitesOk) problems.push(`${dbIds.length} notifications in the database for ${invitesOk} successful invitations`);
  if (Number(nginxUpgrades) !== r.connects.length) problems.push(`nginx logged ${nginxUpgrades} upgrades for ${r.connects.length} connections`);
  if (problems.length) {
    console.log(`FAIL: subscriber: ${problems.join('; ')}`);
    process.exit(1);
  }
  console.log('PASS: the subscriber was closed with 1001, reconnected every time, and missed no notification');
}

const modes = { run, report };
if (!modes[mode]) {
  console.error('usage: rehearse-subscriber.mjs run|report ...');
  process.exit(2);
}
await modes[mode](args);
