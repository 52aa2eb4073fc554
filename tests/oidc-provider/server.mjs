// A certified OpenID Provider (the oidc-provider package) on 127.0.0.1, configured by the JSON file named as the
// first argument. The web tests start it to sign in against (authorization code with PKCE, the package's own login
// and consent pages) and to issue client-credentials tokens for the intake API. Signing keys are kept by id in
// keyDir, so that a restart with another list of ids rotates them.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function signingKey(kid) {
  const file = join(config.keyDir, `${kid}.json`);
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(file, JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }), { mode: 0o600 });
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: { keys: config.keys.map(signingKey) },
  pkce: { methods: ['S256'], required: () => true },
  scopes: ['openid', 'profile', ...new Set(Object.values(config.resources).flatMap((r) => r.scope.split(' ')))],
  claims: { openid: ['sub'], profile: ['preferred_username', 'name', 'realm_access'] },
  // Keycloak-like: roles nested in realm_access.roles, released with the profile scope.
  async findAccount(ctx, sub) {
    const account = config.accounts[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, preferred_username: sub, name: account.name, realm_access: { roles: account.roles } };
      },
    };
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Tokens for an API only where a client asks for one by the client-credentials grant; sign-ins get tokens for userinfo.
      defaultResource: (ctx, client) => (client.grantTypes.includes('client_credentials') ? config.defaultResource : undefined),
      useGrantedResource: () => false,
      getResourceServerInfo(ctx, resource, client) {
        const server = config.resources[resource];
        if (!server) throw new Provider.errors.InvalidTarget();
        return {
          scope: server.scope,
          audience: resource,
          accessTokenTTL: config.accessTokenTtl[client.clientId] ?? 300,
          accessTokenFormat: 'jwt',
        };
      },
    },
  },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AuthorizationCode: 60, IdToken: 3600, AccessToken: 300 },
});

provider.on('server_error', (ctx, error) => console.error(`server_error: ${error.message}`));
const server = provider.listen(config.port, '127.0.0.1', () => console.log(`listening on ${config.issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
