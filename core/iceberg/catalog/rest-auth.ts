/**
 * Credentials for a REST catalog: a fixed bearer token, or OAuth2 client credentials exchanged
 * for a token (RFC 6749 4.4, as Java's and PyIceberg's REST clients do it) and renewed before it
 * expires. Secrets never appear in errors: they name the token endpoint and the server's answer.
 */
import type { AuthConfig } from 'iceberg-js';

export type RestCatalogAuth =
  | { type: 'bearer'; token: string }
  | {
      type: 'oauth2';
      clientId: string;
      clientSecret: string;
      /** Default "catalog", the scope Java and PyIceberg ask for. */
      scope?: string;
      /** Default {catalog uri}/v1/oauth/tokens (the spec's deprecated but widely served endpoint). */
      tokenUri?: string;
    };

export class RestAuthError extends Error {
  constructor(detail: string) {
    super(`Cannot authenticate to the Iceberg REST catalog: ${detail}`);
    this.name = 'RestAuthError';
  }
}

interface Token { value: string; renewAtMs: number }

export class RestCredentials {
  private token: Promise<Token> | undefined;

  constructor(
    private readonly auth: RestCatalogAuth | undefined,
    private readonly catalogUri: string,
    private readonly fetchFn: typeof fetch,
  ) {}

  /** What iceberg-js sends with every request. */
  forIcebergJs(): AuthConfig {
    const auth = this.auth;
    if (!auth) return { type: 'none' };
    if (auth.type === 'bearer') return { type: 'bearer', token: auth.token };
    return { type: 'custom', getHeaders: async () => ({ Authorization: `Bearer ${await this.oauthToken()}` }) };
  }

  /** After a 401/419: the next request fetches a new token (a fixed bearer token stays as it is). */
  invalidate(): void {
    this.token = undefined;
  }

  private async oauthToken(): Promise<string> {
    const cached = this.token;
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token && token.renewAtMs > Date.now()) return token.value;
      if (this.token === cached) this.token = undefined;
    }
    // One request for a new token, however many calls are waiting for it.
    const pending = (this.token ??= this.requestToken());
    try {
      return (await pending).value;
    } catch (err) {
      if (this.token === pending) this.token = undefined;
      throw err;
    }
  }

  private async requestToken(): Promise<Token> {
    const auth = this.auth;
    if (auth?.type !== 'oauth2') throw new Error('requestToken without OAuth2 credentials');
    const tokenUri = auth.tokenUri ?? `${this.catalogUri}/v1/oauth/tokens`;
    const form = new URLSearchParams({
      grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret, scope: auth.scope ?? 'catalog',
    });
    let res: Response;
    try {
      res = await this.fetchFn(tokenUri, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form });
    } catch (err) {
      throw new RestAuthError(`the token endpoint ${tokenUri} is unreachable: ${(err as Error).message}`);
    }
    const body = await res.json().catch(() => ({})) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || !body.access_token) {
      const reason = [body.error, body.error_description].filter(Boolean).join(': ') || 'no access_token in the answer';
      throw new RestAuthError(`the token endpoint ${tokenUri} answered HTTP ${res.status} (${reason}); check the client id and secret`);
    }
    // Renew a minute (at most half the lifetime) before expiry, so a token never lapses in flight.
    // No expires_in: keep it until the server refuses it (then invalidate() renews it).
    const lifetimeMs = (body.expires_in ?? 0) * 1000;
    const renewAtMs = lifetimeMs > 0 ? Date.now() + lifetimeMs - Math.min(60_000, lifetimeMs / 2) : Number.POSITIVE_INFINITY;
    return { value: body.access_token, renewAtMs };
  }
}
