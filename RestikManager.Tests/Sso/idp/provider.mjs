// A real OpenID provider for the single sign-on tests: oidc-provider (a certified implementation) with its development
// sign-in pages (any login name and password; the name is the account), clients and accounts from the environment:
//   IDP_ISSUER    the issuer URL, e.g. http://127.0.0.1:5123 (it listens on that host and port)
//   IDP_CLIENTS   JSON: [{ "client_id", "client_secret", "redirect_uris": [...], "post_logout_redirect_uris": [...] }]
//   IDP_ACCOUNTS  a JSON file: { "alice": { "groups": ["rm-admins"], "email": "alice@example.test" } }, read at every
//                 sign-in, so a test changes a user's groups by rewriting it
//   IDP_CODE_TTL  seconds an authorization code lives (default 60)
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const issuer = new URL(process.env.IDP_ISSUER);
const accountsFile = process.env.IDP_ACCOUNTS;
const clients = JSON.parse(process.env.IDP_CLIENTS).map((c) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  ...c,
}));

const provider = new Provider(issuer.href.replace(/\/$/, ''), {
  clients,
  cookies: { keys: ['restic-manager test idp cookie key'] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email'],
    groups: ['groups'],
  },
  scopes: ['openid', 'profile', 'email', 'groups'],
  pkce: { required: () => true },
  ttl: { AuthorizationCode: Number(process.env.IDP_CODE_TTL ?? '60') },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, id) {
    const account = JSON.parse(readFileSync(accountsFile, 'utf8'))[id] ?? {};
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, name: id, email: account.email ?? `${id}@example.test`, groups: account.groups ?? [] };
      },
    };
  },
});

provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.on('grant.error', (ctx, err) => console.error('grant.error', err.message, err.error_description ?? ''));
provider.listen(Number(issuer.port), issuer.hostname, () => console.log(`idp listening on ${issuer.href}`));
