// A real OpenID Connect provider (the npm package oidc-provider) on loopback, standing in for
// the national identity (VNeID) in motcua's tests. Its development log-in form takes any
// password; the log-in name becomes the subject and the identity number. Two clients share
// motcua's callback: `motcua` (the one configured) and `khac` (another client), so that a test
// can obtain a code issued to someone else. CODE_TTL sets how many seconds a code lives.
//   node oidc-provider.mjs PORT CALLBACK_URL
import Provider from 'oidc-provider';

const [port, callback] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const names = { '051095001234': 'Nguyễn Văn An', '079090000001': 'Lê Thị Mai' };

const provider = new Provider(issuer, {
  clients: [
    { client_id: 'motcua', client_secret: 'bi-mat-cua-motcua', redirect_uris: [callback], grant_types: ['authorization_code'], response_types: ['code'] },
    { client_id: 'khac', client_secret: 'bi-mat-khac', redirect_uris: [callback], grant_types: ['authorization_code'], response_types: ['code'] },
  ],
  claims: { openid: ['sub'], profile: ['name', 'identity_number'] },
  // The profile claims travel in the ID token itself, as VNeID's do.
  conformIdTokenClaims: false,
  ttl: { AuthorizationCode: Number(process.env.CODE_TTL || 60) },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: `vneid-${id}`, name: names[id] || 'Phạm Văn Bình', identity_number: id };
      },
    };
  },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => console.log(`listening ${issuer}`));
