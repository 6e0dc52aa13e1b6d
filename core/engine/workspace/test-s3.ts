/**
 * Testing the S3 connection: the endpoint resolves and answers (with TLS for https), the
 * credentials are accepted, and every bucket the workspace writes to (storage root, warehouse,
 * raw extracts, rejects) exists and can be listed. One ListObjectsV2 per bucket: unlike HEAD, its
 * error body says which of credentials, region or bucket is wrong.
 */
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { errorCodeOf, httpStatusOf } from '../../io/s3-errors.ts';
import { parseLocation } from '../../io/location.ts';
import { storageLocations, type WorkspaceConfig } from './config.ts';
import { tlsCheck } from './probes.ts';
import { s3ConfigFor } from './resolve.ts';
import type { SecretStore } from './secrets.ts';
import { reach, StepFailure, type TestRun } from './test-run.ts';

// As in s3-file-io.ts: the SDK's notice about future Node versions is for us, not for users' output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const AUTH_CODES: Record<string, string> = {
  InvalidAccessKeyId: 'the server does not know the access key id "{key}" — check connections.s3.accessKeyId',
  SignatureDoesNotMatch: 'the secret key does not match the access key id "{key}" — check the secret access key (the secret "s3.secretAccessKey")',
  InvalidToken: 'the session token is not valid — renew it (the secret "s3.sessionToken")',
  ExpiredToken: 'the session token has expired — renew it (the secret "s3.sessionToken")',
  TokenRefreshRequired: 'the session token has expired — renew it (the secret "s3.sessionToken")',
  InvalidClientTokenId: 'the server does not know the access key id "{key}" — check connections.s3.accessKeyId',
};
const REGION_CODES = ['AuthorizationHeaderMalformed', 'PermanentRedirect', 'IllegalLocationConstraintException'];

/** The buckets the workspace uses, each with the settings that name it (for the fix-it hint). */
function bucketsInUse(config: WorkspaceConfig): Map<string, { prefix: string; settings: string[] }> {
  const l = storageLocations(config);
  const uses: [string, string][] = [
    [l.root, 'storage.root'], [l.rawRoot, 'pipelines.etl_moderation.rawRoot'], [l.rejectsLocation, 'pipelines.event_aggregation.rejectsLocation'],
  ];
  if (config.connections.catalog.type === 'sql') uses.push([l.warehouse, 'storage.warehouse']);
  const buckets = new Map<string, { prefix: string; settings: string[] }>();
  for (const [location, setting] of uses) {
    const parsed = parseLocation(location);
    if (parsed.scheme !== 's3') continue;
    const entry = buckets.get(parsed.bucket) ?? { prefix: parsed.key ? `${parsed.key.replace(/\/+$/, '')}/` : '', settings: [] };
    entry.settings.push(setting);
    buckets.set(parsed.bucket, entry);
  }
  return buckets;
}

export async function testS3(run: TestRun, config: WorkspaceConfig, secrets: SecretStore): Promise<void> {
  const settings = config.connections.s3;
  if (!settings) throw new StepFailure('No S3 connection is configured: set connections.s3 (endpoint, region and credentials).');
  const s3 = await s3ConfigFor(settings, secrets);
  const endpoint = new URL(s3.endpoint ?? `https://s3.${s3.region}.amazonaws.com`);
  const shown = endpoint.origin;
  const https = endpoint.protocol === 'https:';
  const host = endpoint.hostname.replace(/^\[|\]$/g, '');
  const port = endpoint.port ? Number(endpoint.port) : https ? 443 : 80;
  const address = await reach(run, 'S3', host, port);
  if (https) {
    await run.step('tls', `S3 at ${shown}`, async (signal) => ({
      value: undefined, detail: `${await tlsCheck({ address, port }, { servername: host }, signal)} handshake, certificate verified`,
    }));
  }

  const client = new S3Client({
    region: s3.region, endpoint: s3.endpoint, forcePathStyle: s3.forcePathStyle,
    credentials: s3.accessKeyId && s3.secretAccessKey ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, sessionToken: s3.sessionToken } : undefined,
    // One attempt: a test reports what is wrong now, and the step's deadline bounds the wait.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: run.stepTimeoutMs, requestTimeout: run.stepTimeoutMs },
  });
  try {
    const buckets = bucketsInUse(config);
    const key = s3.accessKeyId ?? '(from the AWS default credential chain)';
    const authProblem = (err: unknown): string | undefined => {
      const code = errorCodeOf(err) ?? '';
      if (AUTH_CODES[code]) return AUTH_CODES[code]!.replace('{key}', key);
      if (!s3.accessKeyId && /credential/i.test((err as Error).message)) return `no credentials: ${(err as Error).message} — set connections.s3.accessKeyId and the secret access key`;
      return undefined;
    };
    const list = (bucket: string, prefix: string, signal: AbortSignal) =>
      client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }), { abortSignal: signal });

    const first = [...buckets.entries()][0];
    const firstOutcome = await run.step('auth', `S3 at ${shown}`, async (signal) => {
      try {
        if (first) await list(first[0], first[1].prefix, signal);
        else await client.send(new ListBucketsCommand({}), { abortSignal: signal });
        return { value: undefined as unknown, detail: `credentials for "${key}" accepted` };
      } catch (err) {
        if (signal.aborted) throw err;
        const problem = authProblem(err);
        if (problem) throw new StepFailure(`S3 at ${shown} refused the request: ${problem}.`);
        if (!first) throw new StepFailure(`S3 at ${shown}: ${describe(err)}`);
        // Not a credentials problem: the bucket step says what it is.
        return { value: err, detail: `credentials for "${key}" accepted` };
      }
    });

    if (!first) {
      run.note('bucket', true, 'the workspace keeps nothing on S3 (its storage is local)');
      return;
    }
    await run.step('bucket', `S3 at ${shown}`, async (signal) => {
      const checked: string[] = [];
      for (const [bucket, use] of buckets) {
        let err = bucket === first[0] ? firstOutcome : undefined;
        if (bucket !== first[0]) err = await list(bucket, use.prefix, signal).then(() => undefined, (e: unknown) => e);
        if (err) {
          if (signal.aborted) throw err;
          throw new StepFailure(bucketProblem(err, bucket, shown, use.settings, s3.region));
        }
        checked.push(`${bucket} (${use.settings.join(', ')})`);
      }
      return { value: undefined, detail: `bucket${checked.length > 1 ? 's' : ''} ${checked.join('; ')} can be listed` };
    });
  } finally {
    client.destroy();
  }
}

function describe(err: unknown): string {
  const code = errorCodeOf(err);
  const status = httpStatusOf(err);
  const message = (err as Error).message;
  return [code && code !== message ? code : undefined, status ? `(HTTP ${status})` : undefined, message].filter(Boolean).join(' ');
}

function bucketProblem(err: unknown, bucket: string, endpoint: string, settings: string[], region: string): string {
  const code = errorCodeOf(err) ?? '';
  const fix = `fix ${settings.join(' / ')}`;
  if (code === 'NoSuchBucket' || httpStatusOf(err) === 404) return `S3 bucket '${bucket}' does not exist at ${endpoint}: create it or ${fix}.`;
  if (code === 'AccessDenied' || httpStatusOf(err) === 403) {
    return `S3 at ${endpoint} denies access to bucket '${bucket}': grant these credentials s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on it, or ${fix}.`;
  }
  if (REGION_CODES.includes(code) || httpStatusOf(err) === 301) {
    return `S3 bucket '${bucket}' is not in region ${region} (${describe(err)}): set connections.s3.region to the bucket's region.`;
  }
  return `S3 bucket '${bucket}' at ${endpoint}: ${describe(err)}.`;
}
