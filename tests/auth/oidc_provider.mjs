// A real OpenID Connect provider for the tests (the npm package oidc-provider, installed by `make install`), in
// the role of the national sign-on (VNeID through Cổng DVCQG) or a province's provider. Its configuration comes
// as JSON in OIDC_CONFIG: issuer, port, clients, accounts (id → claims) and the signing keys (a private JWKS the
// test made, so that it can also forge tokens). It logs in whoever types an account id in its login form
// (the package's development interactions) and grants the client's scopes without asking.
import Provider from 'oidc-provider';

const cfg = JSON.parse(process.env.OIDC_CONFIG);

const provider = new Provider(cfg.issuer, {
  clients: cfg.clients,
  jwks: cfg.jwks,
  cookies: { keys: ['khoa-cookie-kiem-thu'] },
  pkce: { required: () => true, methods: ['S256'] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'birthdate', 'so_dinh_danh', 'preferred_username', 'email'],
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, id) {
    const claims = cfg.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile');
    await grant.save();
    return grant;
  },
});

const server = provider.listen(cfg.port, '127.0.0.1', () => {
  console.log(`listening ${cfg.issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
