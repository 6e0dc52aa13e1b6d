/**
 * Kafka's error codes (https://kafka.apache.org/protocol#protocol_error_codes): the ones a range
 * reader meets, named, and whether waiting for fresh metadata and trying again can fix them.
 */
const CODES: Record<number, [name: string, retriable: boolean]> = {
  [-1]: ['UNKNOWN_SERVER_ERROR', false],
  1: ['OFFSET_OUT_OF_RANGE', false],
  2: ['CORRUPT_MESSAGE', true],
  3: ['UNKNOWN_TOPIC_OR_PARTITION', true],
  5: ['LEADER_NOT_AVAILABLE', true],
  6: ['NOT_LEADER_OR_FOLLOWER', true],
  7: ['REQUEST_TIMED_OUT', true],
  8: ['BROKER_NOT_AVAILABLE', true],
  9: ['REPLICA_NOT_AVAILABLE', true],
  13: ['NETWORK_EXCEPTION', true],
  29: ['TOPIC_AUTHORIZATION_FAILED', false],
  31: ['CLUSTER_AUTHORIZATION_FAILED', false],
  33: ['UNSUPPORTED_SASL_MECHANISM', false],
  34: ['ILLEGAL_SASL_STATE', false],
  35: ['UNSUPPORTED_VERSION', false],
  43: ['UNSUPPORTED_FOR_MESSAGE_FORMAT', false],
  56: ['KAFKA_STORAGE_ERROR', true],
  58: ['SASL_AUTHENTICATION_FAILED', false],
  74: ['FENCED_LEADER_EPOCH', true],
  75: ['UNKNOWN_LEADER_EPOCH', true],
  76: ['UNSUPPORTED_COMPRESSION_TYPE', false],
  78: ['OFFSET_NOT_AVAILABLE', true],
  100: ['UNKNOWN_TOPIC_ID', true],
};

export const ErrorCode = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  TOPIC_AUTHORIZATION_FAILED: 29,
} as const;

export function errorName(code: number): string {
  return CODES[code]?.[0] ?? `error code ${code}`;
}

/** Transient errors: leadership moved, a replica is catching up, the broker was busy. */
export function isRetriable(code: number): boolean {
  return CODES[code]?.[1] ?? false;
}

/** A broker answered with an error code; `retriable` says whether trying again may succeed. */
export class KafkaProtocolError extends Error {
  readonly retriable: boolean;
  constructor(readonly code: number, message: string) {
    super(`${message}: ${errorName(code)}`);
    this.retriable = isRetriable(code);
  }
}

/** The connection failed (refused, reset, TLS, timeout): a new connection may succeed. */
export class KafkaConnectionError extends Error {
  readonly retriable = true;
}

/** Retrying cannot help: credentials refused, a certificate that does not verify. The user must act. */
export class KafkaConfigurationError extends Error {}

/** The broker or the data needs something this client does not implement: use the kafkajs reader. */
export class KafkaUnsupportedError extends Error {}
