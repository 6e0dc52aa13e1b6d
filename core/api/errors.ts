/** How a failure crosses the API boundary: a kind the UI can act on and a message for people. */
import type { ApiErrorBody } from './contract.ts';

export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

const KIND_BY_NAME: Record<string, ApiErrorBody['error']['kind']> = {
  InvalidInputError: 'invalid-input',
  WorkspaceConfigError: 'invalid-input',
  ScheduleConfigError: 'invalid-input',
  CronSyntaxError: 'invalid-input',
  NotFoundError: 'not-found',
  NoSuchTableError: 'not-found',
  NoSuchNamespaceError: 'not-found',
  PipelineBusyError: 'conflict',
  RunConflictError: 'conflict',
};

export function apiError(err: unknown, redact: (text: string) => string = (t) => t): ApiErrorBody {
  const e = err instanceof Error ? err : new Error(String(err));
  return { error: { kind: KIND_BY_NAME[e.name] ?? 'failed', message: redact(e.message) } };
}

/** The error a client raises for a failed call: it keeps the kind. */
export class ApiCallError extends Error {
  constructor(readonly kind: ApiErrorBody['error']['kind'], message: string) {
    super(message);
    this.name = 'ApiCallError';
  }
}
