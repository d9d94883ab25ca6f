// A real OpenID provider for the SSO browser tests: node-oidc-provider on loopback.
// Usage: node provider.mjs <port> <config.json>; config: {clients: [...], accounts: {sub: claims}}.
// devInteractions (the provider's own login and consent pages) stay on, so the browser
// signs in there with any password for an account listed in the config.
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const [port, configPath] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath, "utf8"));
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: config.clients,
  features: { devInteractions: { enabled: true } },
  claims: { openid: ["sub"], email: ["email", "email_verified"] },
  pkce: { required: () => true },
  cookies: { keys: ["flipside-test-cookie-key"] },
  async findAccount(ctx, id) {
    // devInteractions takes the login field as the account id: the test logs in with the e-mail.
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
// A misbehaving (or compromised) provider for the refusal tests: config.tamper may give
// every ID token another audience, or a clock that is `clockSkewSeconds` off. The token
// is still issued and signed by the provider itself, with its own keys.
const tamper = config.tamper || {};
if (tamper.audience || tamper.clockSkewSeconds) {
  const issue = provider.IdToken.prototype.issue;
  provider.IdToken.prototype.issue = async function tampered(options) {
    if (!options || options.use !== "idtoken") return issue.call(this, options);
    const realClient = this.client;
    const realNow = Date.now;
    if (tamper.audience) {
      this.client = new Proxy(realClient, {
        get: (target, name) => (name === "clientId" ? tamper.audience : Reflect.get(target, name, target)),
      });
    }
    if (tamper.clockSkewSeconds) Date.now = () => realNow() + tamper.clockSkewSeconds * 1000;
    try {
      return await issue.call(this, options);
    } finally {
      Date.now = realNow;
      this.client = realClient;
    }
  };
}
provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
