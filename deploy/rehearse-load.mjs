// Load client for deploy/rehearse: seeds members, drives a steady mixed GraphQL load
// through nginx while deploys run, and reports what the clients saw. Node 20, built-ins
// only (node:http with a keep-alive agent).
//
//   node rehearse-load.mjs seed   URL LOG_DIR RUN MEMBERS OUT_JSON
//       signs up MEMBERS members (verification codes are read from the instances' logs
//       in LOG_DIR, JSON lines) and writes their tokens, ledger and category ids, and the
//       id of a shared ledger the first member creates.
//   node rehearse-load.mjs load   URL SEED_JSON RUN CLIENTS THINK_MS OUT_JSON [INVITE_MS]
//       CLIENTS concurrent clients, each sending one request at a time with THINK_MS
//       between them: ~70% queries (me + ledgers, a month of entries), ~30% createEntry
//       with the memo rehearsal-RUN-<n>; and an inviter: the first member invites the last
//       one (the subscriber of rehearse-subscriber.mjs) to the shared ledger, which
//       notifies them, and cancels the invitation, with INVITE_MS [250] between rounds.
//       Runs until SIGTERM/SIGINT, then writes every
//       request (start, latency, status, transport error, GraphQL error codes, whether
//       it was sent again after a kept-alive connection closed under it).
//   node rehearse-load.mjs report RESULTS_JSON WINDOWS_FILE DB_COUNT DB_DUPLICATES
//       prints the totals and the latency inside and outside the switch windows
//       (WINDOWS_FILE: one "label start_ms end_ms" a line), checks that the database
//       holds every createEntry sent exactly once, and exits 1 on any failure.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const [mode, ...args] = process.argv.slice(2);
const REQUEST_TIMEOUT_MS = 30_000;
const PASSWORD = 'rehearse1234!';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
// For a resend: a new connection, never another kept-alive one from the same pool.
const freshAgent = new http.Agent({ keepAlive: false });

// One POST over a kept-alive connection. A request sent on a reused connection that the
// server side (nginx) closed at the same moment fails before any response byte: like
// browsers and OkHttp, it is sent again once on a new connection (Node's documented
// `reusedSocket` pattern); `retried` says so, and the report counts these.
function post(url, payload, token, fresh = false) {
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
  if (token) headers.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers, agent: fresh ? freshAgent : agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (error) => {
      error.reused = req.reusedSocket;
      reject(error);
    });
    req.end(payload);
  });
}

async function gql(url, query, variables, token) {
  const payload = JSON.stringify({ query, variables });
  let result;
  let retried = null;
  try {
    result = await post(url, payload, token);
  } catch (error) {
    if (!(error.reused && (error.code === 'ECONNRESET' || error.code === 'EPIPE'))) throw error;
    retried = `${error.code} on a reused connection`;
    result = await post(url, payload, token, true);
  }
  let body = null;
  try {
    body = JSON.parse(result.text);
  } catch {
    // Not JSON (an nginx error page): reported through the status.
  }
  return { status: result.status, body, text: result.text, retried };
}

function expectData(result, what) {
  if (result.status !== 200 || !result.body?.data || result.body.errors) {
    throw new Error(`${what}: HTTP ${result.status} ${result.text.slice(0, 300)}`);
  }
  return result.body.data;
}

// The newest verification code mailed to `email`, from the instances' JSON logs.
function codeFromLogs(logDir, email) {
  let code = null;
  for (const file of readdirSync(logDir).filter((f) => f.endsWith('.log')).sort()) {
    for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
      if (!line.includes(email)) continue;
      const match = line.match(/인증 코드: ([0-9A-Za-z]+)/);
      if (match) code = match[1];
    }
  }
  return code;
}

async function seed([url, logDir, run, members, out]) {
  const seeded = [];
  for (let i = 0; i < Number(members); i++) {
    const email = `rehearsal-${run}-${i}@example.com`;
    expectData(
      await gql(url, 'mutation($email: String!) { sendVerificationCode(email: $email) { email } }', { email }),
      `sendVerificationCode ${email}`,
    );
    let code = null;
    for (let tries = 0; tries < 50 && !code; tries++) {
      code = codeFromLogs(logDir, email);
      if (!code) await sleep(100);
    }
    if (!code) throw new Error(`no verification code for ${email} in ${logDir}`);
    const verified = expectData(
      await gql(
        url,
        'mutation($email: String!, $code: String!) { verifyEmail(email: $email, code: $code) { verificationToken } }',
        { email, code },
      ),
      `verifyEmail ${email}`,
    );
    const signedUp = expectData(
      await gql(
        url,
        'mutation($input: SignUpInput!) { signUp(input: $input) { accessToken me { id } } }',
        {
          input: {
            email,
            password: PASSWORD,
            userName: '리허설',
            nickName: `r${run.replace(/\D/g, '').slice(-10)}${i}`,
            verificationToken: verified.verifyEmail.verificationToken,
          },
        },
      ),
      `signUp ${email}`,
    );
    const token = signedUp.signUp.accessToken;
    const me = expectData(
      await gql(url, '{ me { id privateLedger { id categories { id isFallback } } } }', {}, token),
      `me ${email}`,
    ).me;
    const category = me.privateLedger.categories.find((c) => !c.isFallback) ?? me.privateLedger.categories[0];
    seeded.push({ email, token, memberId: me.id, ledgerId: me.privateLedger.id, categoryId: category.id });
  }
  // A shared ledger of the first member: the inviter invites the last member (the
  // subscriber, deploy/rehearse-subscriber.mjs) to it, which notifies them.
  const shared = expectData(
    await gql(
      url,
      'mutation($input: CreateLedgerInput!) { createLedger(input: $input) { id } }',
      { input: { name: '리허설 공유', relationship: '리허설' } },
      seeded[0].token,
    ),
    'createLedger',
  ).createLedger;
  seeded[0].sharedLedgerId = shared.id;
  writeFileSync(out, JSON.stringify(seeded, null, 2));
  console.log(`seeded ${seeded.length} members`);
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

async function load([url, seedFile, run, clients, thinkMs, out, inviteMs = '250']) {
  const members = JSON.parse(readFileSync(seedFile, 'utf8'));
  const records = [];
  let stopping = false;
  let mutations = 0;
  const stop = () => {
    stopping = true;
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  const day = today();
  const from = `${day.slice(0, 7)}-01`;

  async function one(worker) {
    const member = members[worker % members.length];
    const roll = Math.random();
    let kind;
    let query;
    let variables;
    if (roll < 0.35) {
      kind = 'me';
      query = '{ me { id ledgers { id name } } }';
      variables = {};
    } else if (roll < 0.7) {
      kind = 'entries';
      query =
        'query($id: ID!, $from: Date!, $to: Date!) { ledger(id: $id) { entries(filter: { from: $from, to: $to }, size: 20) { totalCount items { id amount memo } } } }';
      variables = { id: member.ledgerId, from, to: day };
    } else {
      kind = 'createEntry';
      const memo = `rehearsal-${run}-${mutations++}`;
      query =
        'mutation($ledgerId: ID!, $input: EntryInput!) { createEntry(ledgerId: $ledgerId, input: $input) { id memo } }';
      variables = {
        ledgerId: member.ledgerId,
        input: {
          type: 'EXPENSE',
          amount: 1000 + Math.floor(Math.random() * 9000),
          date: day,
          categoryId: member.categoryId,
          payment: '카드',
          counterparty: 'rehearsal',
          memo,
        },
      };
    }
    await timed(kind, query, variables, member.token);
  }

  // One request, recorded; returns the response body (or null).
  async function timed(kind, query, variables, token) {
    const record = { kind, start: Date.now(), ms: 0, status: 0, error: null, gql: null, retried: null };
    const t0 = performance.now();
    let body = null;
    try {
      const result = await gql(url, query, variables, token);
      body = result.body;
      record.status = result.status;
      record.retried = result.retried;
      if (result.body?.errors?.length) {
        record.gql = result.body.errors.map((e) => e.extensions?.code ?? e.message).join(',');
      } else if (result.status === 200 && !result.body?.data) {
        record.gql = 'NO_DATA';
      }
      if (result.status !== 200) record.error = `HTTP ${result.status}: ${result.text.slice(0, 200)}`;
    } catch (error) {
      record.error = `${error.code ?? error.name}: ${error.message}${error.reused ? ' (reused connection)' : ''}`;
    }
    record.ms = performance.now() - t0;
    records.push(record);
    return record.error || record.gql ? null : body;
  }

  // The inviter: the first member invites the last one (the subscriber) to its shared
  // ledger, which creates an INVITATION_RECEIVED notification for them, then cancels the
  // invitation so that the next one may be sent (one pending invitation per email).
  const inviter = members[0];
  const invitee = members[members.length - 1];
  let invitesSent = 0;
  async function invitations() {
    let stale = true; // pending invitations left from a failed cancel: cancel them first
    while (!stopping) {
      if (stale) {
        const data = await timed(
          'invitations',
          'query($id: ID!) { ledger(id: $id) { invitations { id } } }',
          { id: inviter.sharedLedgerId },
          inviter.token,
        );
        stale = !data;
        for (const { id } of data?.data?.ledger?.invitations ?? []) {
          if (!(await timed('cancelInvitation', 'mutation($id: ID!) { cancelInvitation(id: $id) { id } }', { id }, inviter.token))) {
            stale = true;
          }
        }
      } else {
        invitesSent++;
        const data = await timed(
          'inviteMembers',
          'mutation($l: ID!, $e: [String!]!) { inviteMembers(ledgerId: $l, emails: $e) { id } }',
          { l: inviter.sharedLedgerId, e: [invitee.email] },
          inviter.token,
        );
        const id = data?.data?.inviteMembers?.[0]?.id;
        stale = !id ||
          !(await timed('cancelInvitation', 'mutation($id: ID!) { cancelInvitation(id: $id) { id } }', { id }, inviter.token));
      }
      if (Number(inviteMs) > 0) await sleep(Number(inviteMs));
    }
  }

  async function worker(id) {
    while (!stopping) {
      await one(id);
      if (Number(thinkMs) > 0) await sleep(Number(thinkMs));
    }
  }

  const report = setInterval(() => {
    const bad = records.filter((r) => r.error || r.gql).length;
    console.error(`load: ${records.length} requests, ${bad} failed`);
  }, 10_000);
  const workers = Array.from({ length: Number(clients) }, (_, i) => worker(i));
  if (inviter.sharedLedgerId && members.length > 1) workers.push(invitations());
  await Promise.all(workers);
  clearInterval(report);
  writeFileSync(out, JSON.stringify({ run, mutationsSent: mutations, invitesSent, records }));
  console.error(`load: stopped after ${records.length} requests`);
}

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function report([resultsFile, windowsFile, dbCount, dbDuplicates]) {
  const { run, mutationsSent, invitesSent = 0, records } = JSON.parse(readFileSync(resultsFile, 'utf8'));
  const windows = readFileSync(windowsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [label, start, end] = line.split(/\s+/);
      return { label, start: Number(start), end: Number(end) };
    });
  const inSwitch = (r) => windows.some((w) => r.start <= w.end && r.start + r.ms >= w.start);
  const fmt = (v) => (Number.isNaN(v) ? '-' : v.toFixed(1));
  const non2xx = records.filter((r) => r.status !== 0 && (r.status < 200 || r.status > 299));
  const transport = records.filter((r) => r.status === 0);
  const gqlErrors = records.filter((r) => r.status >= 200 && r.status <= 299 && r.gql);
  const during = records.filter(inSwitch).map((r) => r.ms);
  const steady = records.filter((r) => !inSwitch(r)).map((r) => r.ms);
  const okMutations = records.filter((r) => r.kind === 'createEntry' && r.status === 200 && !r.gql).length;
  const first = records.reduce((m, r) => Math.min(m, r.start), Infinity);
  const last = records.reduce((m, r) => Math.max(m, r.start + r.ms), -Infinity);
  const max = (values) => values.reduce((m, v) => Math.max(m, v), -Infinity);
  const switchMs = windows.map((w) => w.end - w.start);

  console.log(`run ${run}: ${records.length} requests in ${((last - first) / 1000).toFixed(1)} s ` +
    `(${(records.length / ((last - first) / 1000)).toFixed(1)}/s), ${windows.length} switch windows ` +
    `(${fmt(Math.min(...switchMs) / 1000)}-${fmt(Math.max(...switchMs) / 1000)} s each)`);
  for (const kind of ['me', 'entries', 'createEntry', 'inviteMembers', 'cancelInvitation', 'invitations']) {
    console.log(`  ${kind}: ${records.filter((r) => r.kind === kind).length}`);
  }
  const retried = records.filter((r) => r.retried);
  console.log(`requests sent again after nginx closed a kept-alive connection under them: ${retried.length}` +
    (retried.length ? ` (${retried.filter((r) => r.kind === 'createEntry').length} createEntry; ${retried.filter(inSwitch).length} in switch windows)` : ''));
  console.log(`failures: non-2xx ${non2xx.length}, transport errors ${transport.length}, GraphQL errors ${gqlErrors.length}`);
  console.log(`latency ms   during switches: n=${during.length} p50=${fmt(percentile(during, 50))} p99=${fmt(percentile(during, 99))} max=${fmt(during.length ? max(during) : NaN)}`);
  console.log(`latency ms   steady state:    n=${steady.length} p50=${fmt(percentile(steady, 50))} p99=${fmt(percentile(steady, 99))} max=${fmt(steady.length ? max(steady) : NaN)}`);
  console.log(`createEntry: sent ${mutationsSent}, succeeded ${okMutations}, rows in the database ${dbCount}, memos stored twice ${dbDuplicates}`);
  const okInvites = records.filter((r) => r.kind === 'inviteMembers' && r.status === 200 && !r.gql).length;
  console.log(`inviteMembers (notifying the subscriber): sent ${invitesSent}, succeeded ${okInvites}`);

  const failed = [...non2xx, ...transport, ...gqlErrors].sort((a, b) => a.start - b.start);
  for (const r of failed.slice(0, 20)) {
    const w = windows.find((w) => r.start <= w.end && r.start + r.ms >= w.start);
    console.log(`  FAILED ${new Date(r.start).toISOString()} ${r.kind} status=${r.status} ms=${r.ms.toFixed(0)} ` +
      `${w ? `in ${w.label}` : 'steady'}: ${r.error ?? ''} ${r.gql ?? ''}`);
  }
  const problems = [];
  if (failed.length) problems.push(`${failed.length} failed requests`);
  if (Number(dbCount) !== mutationsSent) problems.push(`database holds ${dbCount} rows for ${mutationsSent} createEntry sent`);
  if (Number(dbDuplicates) !== 0) problems.push(`${dbDuplicates} memos stored more than once`);
  if (records.length === 0) problems.push('no requests were made');
  if (problems.length) {
    console.log(`FAIL: ${problems.join('; ')}`);
    process.exit(1);
  }
  console.log('PASS: no failed request, every createEntry stored exactly once');
}

const modes = { seed, load, report };
if (!modes[mode]) {
  console.error('usage: rehearse-load.mjs seed|load|report ...');
  process.exit(2);
}
await modes[mode](args);
