// GraphiQL runs a subscription with the Headers tab's Authorization, which it
// sends as the connection_init payload. GraphiQL's page loads its scripts from
// a CDN; here they are served from packages fetched with `npm pack`.
//
// Usage: node graphiql-subscription.mjs <server url> <access token> <ledger id> <assets dir>
// (scripts/check-graphiql.sh prepares all of it.) Prints the result pane.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [server, token, ledger, assets] = process.argv.slice(2);
const files = {
  'react.development.js': 'react-18.3.1/package/umd/react.development.js',
  'react-dom.development.js': 'react-dom-18.3.1/package/umd/react-dom.development.js',
  'graphiql.min.css': 'graphiql-4.0.1/package/graphiql.min.css',
  'graphiql.min.js': 'graphiql-4.0.1/package/graphiql.min.js',
};
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const page = await browser.newPage();
await page.route((url) => !url.href.startsWith(server), (route) => {
  const url = route.request().url();
  const name = Object.keys(files).find((f) => url.endsWith(f));
  if (name) return route.fulfill({ path: path.join(assets, files[name]), contentType: name.endsWith('css') ? 'text/css' : 'application/javascript' });
  return route.abort();
});
await page.goto(`${server}/`);
await page.waitForSelector('.CodeMirror', { timeout: 15000 });
await page.evaluate(({ ledger }) => {
  const editors = [...document.querySelectorAll('.CodeMirror')];
  editors[0].CodeMirror.setValue(`subscription { ledgerChanged(ledgerId: "${ledger}") { kind ledgerId } }`);
}, { ledger });
// Open the Headers tab and fill it.
await page.getByText('Headers', { exact: true }).click();
await page.waitForTimeout(300);
// The Headers editor sits below the query editor.
await page.mouse.click(360, 580);
await page.keyboard.type(JSON.stringify({ Authorization: `Bearer ${token}` }));
await page.waitForTimeout(300);
await page.click('.graphiql-execute-button');
await page.waitForTimeout(1500);
fs.writeFileSync(path.join(assets, 'subscribed'), '1');
await page.waitForFunction(() => document.querySelector('.result-window')?.innerText.includes('BUDGET_CHANGED'), null, { timeout: 15000 }).catch(() => {});
const result = await page.evaluate(() => document.querySelector('.result-window')?.innerText);
console.log(result);
const ok = Boolean(result && result.includes('BUDGET_CHANGED'));
await page.screenshot({ path: path.join(assets, 'graphiql.png') });
await browser.close();
process.exit(ok ? 0 : 1);
