// A certified OpenID Provider (panva's `oidc-provider`, from package.json) set up for the tests.
//
//   node provider.mjs CONFIG.json
//
// CONFIG (written by tests/helpers/oidc_provider/__init__.py) holds the issuer, the port, the
// private signing keys (the first one signs; the others are still published, as during a key
// rotation), the clients, the users and the API's audience. The process prints "ready" once it
// listens and stops on SIGTERM. State (sessions, codes, grants) lives in memory.
//
// Interactions: a plain HTML login form at /interaction/:uid (field `login`: a user id from the
// config) and a "cancel" form that ends the flow with `access_denied`; consent is granted
// automatically (the platform is a first-party client).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const users = config.users; // id -> { name, roles, rolesAt: "id_token" | "userinfo" | "none" }

function rolesFor(id, use) {
  const user = users[id];
  if (!user || user.rolesAt === 'none') return undefined;
  if (user.rolesAt === 'userinfo' && use !== 'userinfo') return undefined;
  return { roles: user.roles };
}

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: { keys: config.keys },
  // Roles are nested, as Keycloak sends them. They sit in the `openid` scope so that an ID
  // token may carry them; whether it does is each user's setting (`rolesAt`): a provider that
  // conforms ID-token claims hands them out only at the userinfo endpoint.
  claims: { openid: ['sub', 'realm_access'], profile: ['name'], email: ['email'] },
  conformIdTokenClaims: true,
  async findAccount(ctx, id) {
    if (!users[id]) return undefined;
    return {
      accountId: id,
      async claims(use) {
        const claims = { sub: id, name: users[id].name, email: `${id}@krakow.test` };
        const realmAccess = rolesFor(id, use);
        if (realmAccess) claims.realm_access = realmAccess;
        return claims;
      },
    };
  },
  // JWT access tokens (RFC 9068, `typ: at+jwt`) carry the user's roles for the API.
  async extraTokenClaims(ctx, token) {
    const realmAccess = token.accountId && users[token.accountId]?.rolesAt !== 'none'
      ? { roles: users[token.accountId].roles } : undefined;
    return realmAccess ? { realm_access: realmAccess } : undefined;
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // No resource asked for: an opaque token for the userinfo endpoint.
      defaultResource: (ctx, client, oneOf) => oneOf,
      useGrantedResource: () => false,
      getResourceServerInfo(ctx, resource) {
        if (resource !== config.apiResource) throw new errors.InvalidTarget();
        return {
          scope: 'api',
          audience: config.apiAudience,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['test-cookie-key-0123456789'] },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 300, IdToken: 300 },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><title>error</title><pre>${JSON.stringify(out)}</pre>`;
  },
});

function page(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!DOCTYPE html><html lang="en"><head><title>Test provider</title></head><body>${body}</body></html>`);
}

async function formBody(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return new URLSearchParams(raw);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
    return;
  }
  if (action === 'login') {
    const login = (await formBody(req)).get('login');
    if (!users[login]) {
      page(res, 400, `<p>unknown user</p>`);
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: login } },
      { mergeWithLastSubmission: false });
    return;
  }
  if (details.prompt.name === 'login') {
    page(res, 200, `<h1>Sign in</h1>
      <form method="post" action="/interaction/${uid}/login">
        <label>User <input name="login"></label><button type="submit">Sign in</button>
      </form>
      <form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancel</button></form>`);
    return;
  }
  // consent: a first-party client gets what it asks for
  const { prompt: { details: missing }, params, session: { accountId } } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } },
    { mergeWithLastSubmission: true });
}

// What the token endpoint was sent, for the tests (GET /test/token-requests): the client and
// how it authenticated (a Basic header, or the secret in the form body).
const tokenRequests = [];
provider.use(async (ctx, next) => {
  const basic = ctx.headers.authorization !== undefined;
  await next();
  if (ctx.path === '/token' && ctx.method === 'POST') {
    tokenRequests.push({
      client_id: ctx.oidc?.client?.clientId ?? null,
      method: basic ? 'client_secret_basic' : 'client_secret_post',
      status: ctx.status,
    });
  }
});

const callback = provider.callback();
const server = createServer(async (req, res) => {
  const match = req.url.match(/^\/interaction\/([\w-]+)(?:\/(login|abort))?$/);
  if (req.url === '/test/token-requests') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(tokenRequests));
    return;
  }
  if (!match) {
    callback(req, res);
    return;
  }
  try {
    await interaction(req, res, match[1], req.method === 'POST' ? match[2] : undefined);
  } catch (err) {
    page(res, 400, `<pre>${String(err).replace(/[<&]/g, '')}</pre>`);
  }
});
server.listen(config.port, '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
