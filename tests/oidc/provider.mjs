// A real OpenID provider (panva/oidc-provider) for the portal's tests, on loopback only.
//
// Usage: node provider.mjs CONFIG.json
// CONFIG: {"clients": [oidc-provider client metadata ...],
//          "accounts": {"<login>": {"acr": "...", "claims": {...}}}}
// Listens on 127.0.0.1 on a port the OS picks and prints one line, "LISTENING <issuer>", when ready.
// The sign-in page asks for a login name (the account's key) and signs that account in with its
// "acr"; consent is granted without a page (the portal asks only for what it needs).
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts || {};

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: config.clients,
    cookies: { keys: ['test-cookie-key-not-secret'] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
      groups: ['groups'],
      'https://id.oidc.se/scope/naturalPersonNumber': ['https://id.oidc.se/claim/personalIdentityNumber'],
    },
    // true (the default): the scopes' claims come from the userinfo endpoint only, as the spec has
    // it for the code flow; a config with "claimsInIdToken": true puts them in the ID token too.
    conformIdTokenClaims: !config.claimsInIdToken,
    acrValues: ['http://id.elegnamnden.se/loa/1.0/loa2', 'http://id.elegnamnden.se/loa/1.0/loa3',
      'http://id.elegnamnden.se/loa/1.0/loa4'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...account.claims }; } };
    },
  });
  provider.proxy = false;
  const callback = provider.callback();

  server.on('request', async (req, res) => {
    const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
    if (!match) {
      callback(req, res);
      return;
    }
    try {
      const details = await provider.interactionDetails(req, res);
      const { prompt, params, session, grantId } = details;
      if (prompt.name === 'login' && req.method === 'POST' && match[2]) {
        const login = (await readForm(req)).get('login') || '';
        const account = accounts[login];
        if (!account) {
          res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
          res.end(page('Logga in', '<p role="alert">Okänd användare</p>'));
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: login, acr: account.acr } },
          { mergeWithLastSubmission: false });
        return;
      }
      if (prompt.name === 'login') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page('Testleverantörens inloggning', `<form method="post" action="/interaction/${escape(match[1])}/login">`
          + '<label for="login">Användare</label> <input id="login" name="login" autocomplete="off">'
          + ' <button type="submit">Logga in hos leverantören</button></form>'));
        return;
      }
      if (prompt.name === 'consent') {
        const grant = grantId ? await provider.Grant.find(grantId)
          : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
        if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
        if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
        await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } },
          { mergeWithLastSubmission: true });
        return;
      }
      res.writeHead(501);
      res.end();
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`interaction failed: ${err.message}`);
    }
  });
  process.stdout.write(`LISTENING ${issuer}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
