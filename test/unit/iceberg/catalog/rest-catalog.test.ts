/** The REST catalog's JSON and error layers against a scripted server (the real one: test/integration). */
import { describe, expect, it } from 'vitest';
import { RestCatalog } from '../../../../core/iceberg/catalog/rest-catalog.ts';
import { CommitStateUnknownError } from '../../../../core/iceberg/catalog/rest-errors.ts';
import { CommitConflictError } from '../../../../core/iceberg/spec/table-updates.ts';

const BIG = 9223372036854775807n; // 2^63 - 1: JSON.parse would make it 9223372036854775808
const id = { namespace: ['ns'], name: 't' };

const metadataJson = `{"format-version":2,"table-uuid":"u","location":"s3://b/t","last-sequence-number":1,
  "last-updated-ms":1,"last-column-id":1,"schemas":[{"type":"struct","schema-id":0,"fields":[]}],"current-schema-id":0,
  "partition-specs":[{"spec-id":0,"fields":[]}],"default-spec-id":0,"last-partition-id":999,"properties":{},
  "current-snapshot-id":${BIG},"snapshots":[{"snapshot-id":${BIG},"sequence-number":1,"timestamp-ms":1,
  "manifest-list":"s3://b/t/m.avro","summary":{"operation":"append"}}],"snapshot-log":[],"metadata-log":[],
  "sort-orders":[{"order-id":0,"fields":[]}],"default-sort-order-id":0,"refs":{"main":{"snapshot-id":${BIG},"type":"branch"}}}`;

/** A server that answers every route with `answer` (config aside) and records what it was sent. */
function scripted(answer: (method: string, path: string) => { status: number; body: string }) {
  const sent: { method: string; path: string; body: string | undefined }[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    sent.push({ method, path: url.pathname, body: init?.body as string | undefined });
    const r = url.pathname === '/v1/config' ? { status: 200, body: '{"defaults":{},"overrides":{}}' } : answer(method, url.pathname);
    return new Response(r.body, { status: r.status, headers: { 'content-type': 'application/json' } });
  };
  return { sent, catalog: new RestCatalog({ name: 'cat', uri: 'http://rest.test', fetch: fetchFn }) };
}

const errorBody = (code: number, type: string, message: string) => JSON.stringify({ error: { code, type, message } });

describe('REST catalog JSON: 63-bit ids stay exact through iceberg-js', () => {
  it('sends bigint ids as exact JSON numbers and reads them back exactly', async () => {
    const { sent, catalog } = scripted(() => ({ status: 200, body: `{"metadata-location":"s3://b/t/m1.json","metadata":${metadataJson}}` }));
    const committed = await catalog.commitTable(id,
      [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': BIG }],
      [{ action: 'remove-snapshots', 'snapshot-ids': [BIG - 1n] }]);
    const body = sent.find((s) => s.method === 'POST')!.body!;
    expect(body).toContain(`"snapshot-id":${BIG}`);
    expect(body).toContain(`"snapshot-ids":[${BIG - 1n}]`);
    expect(body).toContain('"identifier":{"namespace":["ns"],"name":"t"}');
    expect(committed.metadataLocation).toBe('s3://b/t/m1.json');
    expect(committed.metadata['current-snapshot-id']).toBe(BIG);
    expect(committed.metadata.snapshots[0]!['snapshot-id']).toBe(BIG);
    expect(committed.metadata.refs.main!['snapshot-id']).toBe(BIG);

    const loaded = await catalog.loadTable(id);
    expect(loaded.metadata['current-snapshot-id']).toBe(BIG);
  });
});

describe('REST catalog errors', () => {
  it('maps a 409 on commit to CommitConflictError and a 5xx to CommitStateUnknownError', async () => {
    const conflict = scripted(() => ({ status: 409, body: errorBody(409, 'CommitFailedException', 'Requirement failed: branch main has changed') }));
    await expect(conflict.catalog.commitTable(id, [], [])).rejects.toThrow(CommitConflictError);
    await expect(conflict.catalog.commitTable(id, [], [])).rejects.toThrow(/POST http:\/\/rest\.test\/v1\/namespaces\/ns\/tables\/t answered HTTP 409 CommitFailedException: Requirement failed/);
    for (const status of [500, 502, 504]) {
      const unknown = scripted(() => ({ status, body: errorBody(status, 'CommitStateUnknownException', 'gateway timeout') }));
      const err = await unknown.catalog.commitTable(id, [], []).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommitStateUnknownError);
      expect(err).not.toBeInstanceOf(CommitConflictError);
    }
  });

  it('says the credentials were refused, naming the request', async () => {
    const { catalog } = scripted(() => ({ status: 401, body: errorBody(401, 'NotAuthorizedException', 'bad token') }));
    await expect(catalog.listTables(['ns'])).rejects.toThrow(/refused the credentials \(REST GET http:\/\/rest\.test\/v1\/namespaces\/ns\/tables answered HTTP 401/);
  });
});
