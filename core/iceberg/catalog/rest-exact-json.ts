/**
 * The JSON layer under iceberg-js that keeps 63-bit snapshot ids exact.
 *
 * iceberg-js serializes request bodies with JSON.stringify (which throws on bigint) and parses
 * responses with JSON.parse (which rounds ids above 2^53; a rounded id sent back in
 * assert-ref-snapshot-id fails every commit, or names the wrong snapshot). Neither step can be
 * configured, but iceberg-js takes a `fetch`, so the exact JSON is carried around it:
 *  - requests: the catalog hands iceberg-js `exactBody(value)`, an envelope holding the body
 *    already serialized with stringifyJsonWithBigIds; this fetch unwraps it and sends that text.
 *  - responses: a table result (LoadTableResult, CommitTableResponse) reaches iceberg-js with its
 *    `metadata` object replaced by that object's exact JSON text, which the catalog then parses
 *    with parseTableMetadata. Other responses carry no ids and pass through untouched.
 * This keeps iceberg-js for what it does well (paths, namespace encoding, idempotency keys,
 * error bodies, auth headers) without trusting its JSON.
 */
import { parseJsonWithBigIds, stringifyJsonWithBigIds } from '../spec/metadata-json.ts';

const ENVELOPE_KEY = 'floe-exact-json-body';
const ENVELOPE_PREFIX = `{"${ENVELOPE_KEY}":`;

/**
 * A request body for iceberg-js that reaches the server exactly as stringifyJsonWithBigIds writes
 * it. Typed as T because iceberg-js wants its own request types; only exactJsonFetch reads it.
 */
export function exactBody<T>(value: unknown): T {
  return { [ENVELOPE_KEY]: stringifyJsonWithBigIds(value) } as T;
}

/** The exact JSON text of `metadata` in a table result that went through exactJsonFetch. */
export function exactMetadataText(metadata: unknown, what: string): string {
  if (typeof metadata !== 'string') throw new Error(`${what}: the response has no table metadata`);
  return metadata;
}

export function exactJsonFetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    let body = init?.body;
    if (typeof body === 'string' && body.startsWith(ENVELOPE_PREFIX)) {
      body = (JSON.parse(body) as Record<string, string>)[ENVELOPE_KEY];
    }
    const res = await inner(input, init && { ...init, body });
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('application/json')) return res;
    const text = await res.text();
    return new Response(withExactMetadata(text), { status: res.status, statusText: res.statusText, headers: bodyFreeHeaders(res.headers) });
  };
}

function withExactMetadata(text: string): string {
  if (!text.includes('"metadata"')) return text;
  const parsed = parseJsonWithBigIds(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return text;
  const result = parsed as Record<string, unknown>;
  const metadata = result.metadata;
  if (metadata === null || typeof metadata !== 'object' || !('format-version' in metadata)) return text;
  return stringifyJsonWithBigIds({ ...result, metadata: stringifyJsonWithBigIds(metadata) });
}

/** The response's headers without those that described the original body's bytes. */
function bodyFreeHeaders(headers: Headers): Headers {
  const out = new Headers(headers);
  out.delete('content-length');
  out.delete('content-encoding');
  return out;
}
