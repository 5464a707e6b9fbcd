// Runs the GraphQL over HTTP server audits of the `graphql-http` package
// (pinned in tests/audit/package.json) against a running server.
//
//   node scripts/audit-graphql-http.mjs URL [EXCEPTIONS_JSON]
//
// Prints one line per audit, then a summary. Exits 1 when a MUST audit fails,
// or a SHOULD audit fails without a written reason in EXCEPTIONS_JSON (an object
// mapping audit id to reason; default tests/audit/should-exceptions.json). MAY
// audits are reported but never fail the run.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'tests/audit/package.json'));
const { serverAudits } = await import(require.resolve('graphql-http'));

const url = process.argv[2];
if (!url) {
  console.error('usage: node scripts/audit-graphql-http.mjs URL [EXCEPTIONS_JSON]');
  process.exit(2);
}
const exceptionsPath = process.argv[3] ?? join(root, 'tests/audit/should-exceptions.json');
const exceptions = JSON.parse(readFileSync(exceptionsPath, 'utf8'));

// Every request of the audit goes through here: bounded in time, loopback only.
async function fetchFn(input, init = {}) {
  const target = new URL(typeof input === 'string' ? input : input.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) {
    throw new Error(`refusing to audit a non-loopback address: ${target.hostname}`);
  }
  return fetch(input, { ...init, signal: AbortSignal.timeout(10_000) });
}

async function describe(response) {
  if (!response) return '';
  let body = '';
  try {
    body = await response.clone().text();
  } catch {
    body = '<body already read>';
  }
  if (body.length > 300) body = `${body.slice(0, 300)}…`;
  const type = response.headers.get('content-type') ?? '-';
  return ` [HTTP ${response.status}, content-type ${type}, body ${JSON.stringify(body)}]`;
}

const counts = {
  MUST: { passed: 0, failed: 0 },
  SHOULD: { passed: 0, excused: 0, failed: 0 },
  MAY: { passed: 0, failed: 0 },
};
const failures = [];
const seen = new Set();

for (const audit of serverAudits({ url, fetchFn })) {
  const level = audit.name.split(' ')[0];
  seen.add(audit.id);
  let result;
  try {
    result = await audit.fn();
  } catch (error) {
    result = { id: audit.id, name: audit.name, status: 'error', reason: `threw: ${error}` };
  }
  if (result.status === 'ok') {
    counts[level].passed += 1;
    console.log(`ok      ${audit.id} ${audit.name}`);
    if (level === 'SHOULD' && exceptions[audit.id]) {
      console.log(`        (passes now: its entry in ${exceptionsPath} can go)`);
    }
    continue;
  }
  const detail = `${result.reason}${await describe(result.response)}`;
  if (level === 'MUST') {
    counts.MUST.failed += 1;
    failures.push(`${audit.id} ${audit.name}: ${detail}`);
    console.log(`FAIL    ${audit.id} ${audit.name}\n        ${detail}`);
  } else if (level === 'SHOULD' && exceptions[audit.id]) {
    counts.SHOULD.excused += 1;
    console.log(`excused ${audit.id} ${audit.name}\n        ${detail}\n        reason: ${exceptions[audit.id]}`);
  } else if (level === 'SHOULD') {
    counts.SHOULD.failed += 1;
    failures.push(`${audit.id} ${audit.name}: ${detail}`);
    console.log(`FAIL    ${audit.id} ${audit.name}\n        ${detail}\n        (no reason in ${exceptionsPath})`);
  } else {
    counts.MAY.failed += 1;
    console.log(`no     ${' '}${audit.id} ${audit.name}\n        ${detail}`);
  }
}

for (const id of Object.keys(exceptions)) {
  if (!seen.has(id)) console.log(`note: ${exceptionsPath} names ${id}, which is no audit of this graphql-http`);
}

console.log('');
console.log(
  `MAY: ${counts.MAY.passed} implemented, ${counts.MAY.failed} not (optional)`,
);
if (failures.length > 0) {
  console.log('failed:');
  for (const failure of failures) console.log(`  ${failure}`);
}
const shouldFailed = counts.SHOULD.failed > 0 ? `, ${counts.SHOULD.failed} failed without a reason` : '';
console.log(
  `graphql-http audit: ${counts.MUST.passed} MUST passed, ${counts.MUST.failed} failed; ` +
    `${counts.SHOULD.passed} SHOULD passed, ${counts.SHOULD.excused} with written reasons${shouldFailed}`,
);
process.exit(failures.length > 0 ? 1 : 0);
