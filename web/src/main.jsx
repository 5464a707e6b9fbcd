// The playground: GraphiQL with an Authorization header editor whose headers
// go with every HTTP request and, for subscriptions, become the
// graphql-transport-ws connection_init payload (docs/API.md).
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';

const HEADERS_HINT = JSON.stringify({ Authorization: 'Bearer <paste accessToken here>' }, null, 2);

const EXAMPLES = [
  {
    query: `# Sign in: copy accessToken into the Headers tab below,
# as {"Authorization": "Bearer <accessToken>"}.
mutation SignIn($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    accessToken
    refreshToken
  }
}`,
    variables: JSON.stringify({ email: 'me@example.com', password: 'my password' }, null, 2),
  },
  {
    query: `# Who am I, and my ledgers.
query MyLedgers {
  me {
    id
    nickName
    ledgers {
      id
      name
      categories {
        id
        name
      }
    }
  }
}`,
  },
  {
    query: `# A month of a ledger: totals per day.
query MonthCalendar($ledgerId: ID!, $year: Int!, $month: Int!) {
  ledger(id: $ledgerId) {
    name
    calendar(year: $year, month: $month) {
      date
      incomeTotal
      expenseTotal
    }
  }
}`,
    variables: JSON.stringify({ ledgerId: '<ledger id>', year: 2026, month: 1 }, null, 2),
  },
  {
    query: `# A new entry: categoryId from ledger(id:) { categories { id name } }.
mutation CreateEntry($ledgerId: ID!, $input: EntryInput!) {
  createEntry(ledgerId: $ledgerId, input: $input) {
    id
    amount
    date
  }
}`,
    variables: JSON.stringify(
      {
        ledgerId: '<ledger id>',
        input: {
          type: 'EXPENSE',
          amount: 12000,
          date: '2026-01-15',
          categoryId: '<category id>',
          payment: '카드',
          counterparty: '마트',
        },
      },
      null,
      2,
    ),
  },
  {
    query: `# Notifications as they happen (over a WebSocket; the headers are its
# connection_init payload).
subscription Notifications {
  notificationReceived {
    kind
    message
    createdAt
  }
}`,
  },
].map((tab) => ({ ...tab, headers: HEADERS_HINT }));

const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
// Over HTTP the fetcher sends the headers editor's headers; for a subscription
// it merges them into the WebSocket's connection_init payload.
const toolkitFetcher = createGraphiQLFetcher({
  url: '/graphql',
  subscriptionUrl: `${scheme}://${window.location.host}/graphql`,
});
// The hint is not a token: until it is replaced, requests go without it (the
// server would refuse a malformed token even for `login`).
const isHint = (value) => typeof value === 'string' && value.includes('<paste accessToken here>');
const fetcher = (params, options) => {
  const headers = Object.fromEntries(
    Object.entries(options?.headers ?? {}).filter(([, value]) => !isHint(value)),
  );
  return toolkitFetcher(params, { ...options, headers });
};

createRoot(document.getElementById('graphiql')).render(
  <GraphiQL
    fetcher={fetcher}
    defaultTabs={EXAMPLES}
    defaultHeaders={HEADERS_HINT}
    defaultEditorToolsVisibility="headers"
    isHeadersEditorEnabled
    shouldPersistHeaders={false}
  />,
);
