import { KtcFailure, type ErrorKind } from '../../errors.js';

/** Kafka error codes the wire engine can meet, by the names Kafka (and kafkajs) give them. */
const NAMES: Record<number, string> = {
  [-1]: 'UNKNOWN_SERVER_ERROR',
  1: 'OFFSET_OUT_OF_RANGE',
  2: 'CORRUPT_MESSAGE',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  5: 'LEADER_NOT_AVAILABLE',
  6: 'NOT_LEADER_OR_FOLLOWER',
  7: 'REQUEST_TIMED_OUT',
  9: 'REPLICA_NOT_AVAILABLE',
  10: 'MESSAGE_TOO_LARGE',
  13: 'NETWORK_EXCEPTION',
  14: 'COORDINATOR_LOAD_IN_PROGRESS',
  15: 'COORDINATOR_NOT_AVAILABLE',
  16: 'NOT_COORDINATOR',
  17: 'INVALID_TOPIC_EXCEPTION',
  18: 'RECORD_LIST_TOO_LARGE',
  19: 'NOT_ENOUGH_REPLICAS',
  20: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  21: 'INVALID_REQUIRED_ACKS',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  33: 'UNSUPPORTED_SASL_MECHANISM',
  34: 'ILLEGAL_SASL_STATE',
  35: 'UNSUPPORTED_VERSION',
  41: 'NOT_CONTROLLER',
  45: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
  46: 'DUPLICATE_SEQUENCE_NUMBER',
  47: 'INVALID_PRODUCER_EPOCH',
  51: 'CONCURRENT_TRANSACTIONS',
  56: 'KAFKA_STORAGE_ERROR',
  58: 'SASL_AUTHENTICATION_FAILED',
  59: 'UNKNOWN_PRODUCER_ID',
  70: 'FETCH_SESSION_ID_NOT_FOUND',
  71: 'INVALID_FETCH_SESSION_EPOCH',
  72: 'LISTENER_NOT_FOUND',
  74: 'FENCED_LEADER_EPOCH',
  75: 'UNKNOWN_LEADER_EPOCH',
  78: 'OFFSET_NOT_AVAILABLE',
  79: 'MEMBER_ID_REQUIRED',
  80: 'PREFERRED_LEADER_NOT_AVAILABLE',
  87: 'INVALID_RECORD',
  89: 'THROTTLING_QUOTA_EXCEEDED',
  90: 'PRODUCER_FENCED',
};

/**
 * The Java client's retriable errors (subclasses of RetriableException): a
 * retry, after a metadata refresh where leadership may have moved, can succeed.
 */
const RETRIABLE = new Set([2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 51, 56, 70, 71, 72, 74, 75, 78, 80, 89]);

/** Java's InvalidMetadataException family: the client's idea of who leads what is stale. */
const STALE_METADATA = new Set([3, 5, 6, 9, 56, 72, 74, 75]);

/** What a Kafka error code means to ktc's error lines; codes not listed are worded from their message. */
const KINDS: Record<number, ErrorKind> = {
  3: 'unknownTopic',
  10: 'recordTooLarge',
  17: 'invalidTopic',
  18: 'recordTooLarge',
  29: 'topicAuthorization',
  31: 'clusterAuthorization',
  35: 'unsupportedVersion',
  58: 'authentication',
};

function kindOf(code: number, api: 'InitProducerId' | 'SaslAuthenticate' | undefined): ErrorKind {
  // Whatever code a broker gives a refused SaslAuthenticate, the user's credentials (or mechanism) did not pass.
  if (api === 'SaslAuthenticate') return 'authentication';
  // Since Kafka 2.8 WRITE on any topic is enough for an idempotent producer: without it the user cannot produce at all.
  if (api === 'InitProducerId' && code === 31) return 'idempotentWriteAuthorization';
  return KINDS[code] ?? 'other';
}

/** The root of what the wire code throws: a kind for the error line, and whether a retry can help. */
export class WireError extends KtcFailure {}

export class KafkaProtocolError extends WireError {
  readonly type: string;

  constructor(
    readonly code: number,
    detail: string,
    options: {
      /** Overrides Java's classification: a SASL failure is final for the connection whatever its code. */
      retriable?: boolean;
      /** The request that was refused, when it changes what the code means to the user. */
      api?: 'InitProducerId' | 'SaslAuthenticate';
    } = {},
  ) {
    const type = errorName(code);
    const kind = kindOf(code, options.api);
    super(`${type}: ${detail}`, kind, options.retriable ?? RETRIABLE.has(code));
    this.type = type;
  }

  /** Leadership or the partition layout changed: refresh metadata before retrying. */
  get staleMetadata(): boolean {
    return STALE_METADATA.has(this.code);
  }
}

export function protocolError(code: number, detail: string): KafkaProtocolError {
  return new KafkaProtocolError(code, detail);
}

export function errorName(code: number): string {
  return NAMES[code] ?? `KAFKA_ERROR_${code}`;
}

export function isRetriableCode(code: number): boolean {
  return RETRIABLE.has(code);
}

/** The connection to a broker failed or was closed: retriable, on another connection. `code` is Node's, when it gave one. */
export class ConnectionError extends WireError {
  readonly code: string | undefined;

  constructor(message: string, options: { code?: string | undefined; cause?: unknown } = {}) {
    super(`Connection error: ${message}`, 'unreachable', true, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

export function connectionError(message: string, code?: string): ConnectionError {
  return new ConnectionError(message, { code });
}

/** A batch the brokers did not acknowledge within the delivery timeout; `cause` is the last failure seen. */
export class DeliveryTimeoutError extends WireError {
  constructor(
    readonly timeoutMs: number,
    cause: Error | undefined,
  ) {
    super(
      `not acknowledged within the delivery timeout (${Math.round(timeoutMs / 1000)} s)${cause ? `; last error: ${cause.message}` : ''}`,
      'deliveryTimeout',
      false,
      { cause },
    );
  }
}
