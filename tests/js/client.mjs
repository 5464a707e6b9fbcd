// The reference graphql-ws client, as the web app uses it: subscribes to a
// ledger and prints each event as a JSON line. When the server closes the
// socket with 4401 (token expired) graphql-ws ends the subscription with that
// close event (it does not retry 4401 by itself); the app then refreshes its
// session and subscribes again, which reconnects.
//
// Usage: node client.mjs <graphql http url> <access token> <refresh token> <ledger id> <events>
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [httpUrl, initialAccess, initialRefresh, ledgerId, wanted] = process.argv.slice(2);
const wsUrl = httpUrl.replace(/^http/, 'ws');
let access = initialAccess;
let refresh = initialRefresh;
let mustRefresh = false;

async function refreshSession() {
  const response = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }',
      variables: { t: refresh },
    }),
  });
  const body = await response.json();
  access = body.data.refreshSession.accessToken;
  refresh = body.data.refreshSession.refreshToken;
  console.log(JSON.stringify({ refreshed: true }));
}

const client = createClient({
  url: wsUrl,
  webSocketImpl: WebSocket,
  retryAttempts: 5,
  shouldRetry: () => true,
  retryWait: () => new Promise((resolve) => setTimeout(resolve, 100)),
  connectionParams: async () => {
    if (mustRefresh) {
      mustRefresh = false;
      await refreshSession();
    }
    return { Authorization: `Bearer ${access}` };
  },
  on: {
    connected: () => console.log(JSON.stringify({ connected: true })),
    closed: (event) => {
      if (event && event.code === 4401) mustRefresh = true;
      console.log(JSON.stringify({ closed: event ? event.code : null }));
    },
  },
});

let received = 0;
const done = new Promise((resolve, reject) => {
  const subscribe = () =>
    client.subscribe(
      {
        query: 'subscription($l: ID!) { ledgerChanged(ledgerId: $l) { kind ledgerId } }',
        variables: { l: ledgerId },
      },
      {
        next: (value) => {
          console.log(JSON.stringify({ event: value.data.ledgerChanged }));
          received += 1;
          if (received >= Number(wanted)) resolve();
        },
        error: (error) => {
          if (error && error.code === 4401) {
            mustRefresh = true;
            subscribe();
          } else {
            reject(error);
          }
        },
        complete: () => resolve(),
      },
    );
  subscribe();
});

const timeout = setTimeout(() => {
  console.log(JSON.stringify({ timeout: true, received }));
  process.exit(2);
}, 30000);

done
  .then(async () => {
    clearTimeout(timeout);
    await client.dispose();
    process.exit(0);
  })
  .catch((error) => {
    console.log(JSON.stringify({ error: String(error) }));
    process.exit(1);
  });
