/**
 * Turning what the AWS SDK throws into errors a user can act on: each names the S3 operation and
 * the full location, carries the SDK error as `cause`, and never shows a credential.
 */
import { AlreadyExistsError, NotFoundError } from './file-io.ts';

/** The parts of an SDK service error we look at (S3ServiceException, or a plain network Error). */
interface SdkErrorShape {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

export class S3OperationError extends Error {
  constructor(
    readonly operation: string,
    readonly location: string,
    readonly status: number | undefined,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`S3 ${operation} ${location} failed: ${detail}`, options);
    this.name = 'S3OperationError';
  }
}

export function httpStatusOf(error: unknown): number | undefined {
  return (error as SdkErrorShape | null)?.$metadata?.httpStatusCode;
}

export function errorCodeOf(error: unknown): string | undefined {
  const shape = error as SdkErrorShape | null;
  return shape?.Code ?? shape?.name;
}

export const isNotFound = (error: unknown): boolean =>
  httpStatusOf(error) === 404 || ['NoSuchKey', 'NotFound', 'NoSuchBucket'].includes(errorCodeOf(error) ?? '');

/**
 * 412: the key exists. 409 ConditionalRequestConflict: AWS's answer when another conditional
 * write to the same key is in flight; either way another writer got there first.
 */
export const isAlreadyExists = (error: unknown): boolean =>
  httpStatusOf(error) === 412 || errorCodeOf(error) === 'PreconditionFailed' ||
  errorCodeOf(error) === 'ConditionalRequestConflict';

export const isAbort = (error: unknown): boolean => (error as SdkErrorShape | null)?.name === 'AbortError';

// What a bodyless answer (HEAD) means, since the SDK can only call it "Unknown".
const STATUS_MEANING: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden (check the access key, secret key and bucket policy)',
  404: 'NotFound', 409: 'Conflict', 412: 'PreconditionFailed', 416: 'InvalidRange', 500: 'InternalError',
  501: 'NotImplemented (the store does not support this request)', 503: 'SlowDown or ServiceUnavailable',
};

/** Why a request failed, in one line: "NoSuchBucket (HTTP 404): The specified bucket does not exist". */
export function describeSdkError(error: unknown, secrets: readonly string[]): string {
  const shape = (error ?? {}) as SdkErrorShape;
  const status = httpStatusOf(error);
  const rawCode = errorCodeOf(error);
  const bodyless = !rawCode || ['Unknown', 'UnknownError', 'Error'].includes(rawCode);
  const code = bodyless ? (status ? STATUS_MEANING[status] : undefined) : rawCode;
  const message = shape.message ?? String(error);
  const head = [code, status ? `(HTTP ${status})` : undefined].filter(Boolean).join(' ');
  const informative = message && message !== rawCode && !['Unknown', 'UnknownError'].includes(message);
  const text = informative ? (head ? `${head}: ${message}` : message) : head || message;
  return redact(text, secrets);
}

/** Removes the secret key and session token, should a server ever echo them back. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  return out;
}

/**
 * The error to throw for a failed S3 call. NotFound and precondition failures become the
 * FileIO contract's own errors; aborts pass through untouched so callers can recognise them.
 */
export function translateS3Error(
  operation: string,
  location: string,
  error: unknown,
  secrets: readonly string[],
): Error {
  if (error instanceof NotFoundError || error instanceof AlreadyExistsError || error instanceof S3OperationError) return error;
  if (isAbort(error)) return error as Error;
  if (isNotFound(error)) {
    const what = errorCodeOf(error) === 'NoSuchBucket' ? 'the bucket does not exist' : 'no such key';
    return new NotFoundError(location, `S3 ${operation} answered ${what}`);
  }
  return new S3OperationError(operation, location, httpStatusOf(error), describeSdkError(error, secrets), { cause: error });
}
