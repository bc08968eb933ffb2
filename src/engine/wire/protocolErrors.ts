/** Kafka error codes the wire producer can meet, by the names Kafka (and kafkajs) give them. */
const NAMES: Record<number, string> = {
  [-1]: 'UNKNOWN_SERVER_ERROR',
  2: 'CORRUPT_MESSAGE',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  5: 'LEADER_NOT_AVAILABLE',
  6: 'NOT_LEADER_OR_FOLLOWER',
  7: 'REQUEST_TIMED_OUT',
  10: 'MESSAGE_TOO_LARGE',
  13: 'NETWORK_EXCEPTION',
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
  58: 'SASL_AUTHENTICATION_FAILED',
  74: 'FENCED_LEADER_EPOCH',
  75: 'UNKNOWN_LEADER_EPOCH',
  87: 'INVALID_RECORD',
};

/** Worth retrying after a metadata refresh: leadership moved, or a replica is briefly missing. */
const RETRIABLE = new Set([3, 5, 6, 7, 13, 19, 20, 74, 75]);

/** Any error the wire code throws: `retriable === false` means retrying cannot help. */
export type WireError = Error & { retriable?: boolean };

export interface KafkaProtocolError extends Error {
  type: string;
  code: number;
  retriable: boolean;
}

export function protocolError(code: number, detail: string): KafkaProtocolError {
  const type = NAMES[code] ?? `KAFKA_ERROR_${code}`;
  return Object.assign(new Error(`${type}: ${detail}`), { type, code, retriable: RETRIABLE.has(code) });
}

export function connectionError(message: string, code?: string): Error & { retriable: boolean; code?: string } {
  return Object.assign(new Error(`Connection error: ${message}`), { name: 'KafkaConnectionError', retriable: true, ...(code ? { code } : {}) });
}
