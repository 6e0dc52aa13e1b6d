/**
 * The Test button of each connection: a few steps in order (name lookup, TCP, TLS, login, then
 * the database, bucket, topics or catalog the workspace needs), each with a deadline of a few
 * seconds, stopping at the first that fails and saying in its detail what to do about it.
 * Details never contain a secret: every configured secret value is scrubbed from them.
 */
import { redact } from '../../io/s3-errors.ts';
import type { ConnectionKind, WorkspaceConfig } from './config.ts';
import { MissingSecretError, secretValues } from './resolve.ts';
import type { SecretStore } from './secrets.ts';
import { testCatalog } from './test-catalog.ts';
import { testKafka } from './test-kafka.ts';
import { testPostgres } from './test-postgres.ts';
import { testS3 } from './test-s3.ts';
import { StepFailure, Stop, TestRun, type ConnectionTestStep } from './test-run.ts';

export type { ConnectionTestStep, StepName } from './test-run.ts';

export interface ConnectionTestResult {
  kind: ConnectionKind;
  ok: boolean;
  steps: ConnectionTestStep[];
}

export interface ConnectionTestOptions {
  /** Each step's deadline. Default 5 s. */
  stepTimeoutMs?: number;
}

export async function testConnection(
  kind: ConnectionKind, config: WorkspaceConfig, secrets: SecretStore, signal: AbortSignal = new AbortController().signal,
  options: ConnectionTestOptions = {},
): Promise<ConnectionTestResult> {
  const run = new TestRun(signal, options.stepTimeoutMs ?? 5_000, await secretValues(config, secrets));
  try {
    if (kind === 'postgres') await testPostgres(run, config, secrets);
    else if (kind === 'kafka') await testKafka(run, config, secrets);
    else if (kind === 's3') await testS3(run, config, secrets);
    else await testCatalog(run, config, secrets);
  } catch (err) {
    if (!(err instanceof Stop)) {
      // Before any network step: a missing secret, an unreadable certificate, an absent connection.
      const detail = err instanceof MissingSecretError || err instanceof StepFailure ? err.message : `The ${kind} settings cannot be used: ${(err as Error).message}`;
      run.steps.push({ step: 'config', ok: false, detail: redact(detail, await secretValues(config, secrets)), ms: 0 });
    }
  }
  return { kind, ok: run.steps.length > 0 && run.steps.every((s) => s.ok), steps: run.steps };
}
