import type { Reader } from './codec.js';
import { WireError } from './protocolErrors.js';

/** Kafka API keys the wire engine speaks, or may speak soon. */
export const API = {
  produce: 0,
  fetch: 1,
  listOffsets: 2,
  metadata: 3,
  offsetCommit: 8,
  offsetFetch: 9,
  findCoordinator: 10,
  joinGroup: 11,
  heartbeat: 12,
  leaveGroup: 13,
  syncGroup: 14,
  saslHandshake: 17,
  apiVersions: 18,
  createTopics: 19,
  initProducerId: 22,
  saslAuthenticate: 36,
} as const;

const API_NAMES: Record<number, string> = {
  0: 'Produce',
  1: 'Fetch',
  2: 'ListOffsets',
  3: 'Metadata',
  8: 'OffsetCommit',
  9: 'OffsetFetch',
  10: 'FindCoordinator',
  11: 'JoinGroup',
  12: 'Heartbeat',
  13: 'LeaveGroup',
  14: 'SyncGroup',
  15: 'DescribeGroups',
  16: 'ListGroups',
  17: 'SaslHandshake',
  18: 'ApiVersions',
  19: 'CreateTopics',
  20: 'DeleteTopics',
  22: 'InitProducerId',
  36: 'SaslAuthenticate',
};

export function apiName(apiKey: number): string {
  return API_NAMES[apiKey] ?? `API ${apiKey}`;
}

/**
 * The brokers ktc's wire engine can talk to. It speaks only non-flexible
 * request versions (Kafka 4.1 still accepts them for every API ktc uses:
 * Produce 3-8, Fetch 4-11, Metadata 0-8, SaslHandshake 1, SaslAuthenticate
 * 0-1, ApiVersions 0-2), and its producer writes Produce v7, which Kafka 2.1
 * introduced (zstd, KIP-110). A Kafka release that drops those versions
 * (KIP-896 dropped older ones in 4.0) gets the one-line error below.
 */
export const KTC_BROKER_SUPPORT = 'ktc supports Apache Kafka 2.1 to 4.x brokers';

/**
 * ApiVersions v2: the newest non-flexible version, accepted by Kafka 2.0 to
 * 4.x. Older brokers answer UNSUPPORTED_VERSION with their own range, and
 * the connection retries at the highest version both sides speak.
 */
export const API_VERSIONS_VERSION = 2;

export interface VersionRange {
  min: number;
  max: number;
}

export interface ApiVersionsReply {
  error: number;
  ranges: Map<number, VersionRange>;
}

/**
 * Parses an ApiVersions response body (after the correlation id; its header
 * is v0 at every version). A broker that does not speak the requested
 * version answers UNSUPPORTED_VERSION (35) in the v0 layout, so only the
 * fields every version has are read (not throttle_time_ms, v1+).
 */
export function parseApiVersions(r: Reader): ApiVersionsReply {
  const error = r.int16();
  const ranges = new Map<number, VersionRange>();
  r.array(() => {
    const key = r.int16();
    const min = r.int16();
    const max = r.int16();
    ranges.set(key, { min, max });
  });
  return { error, ranges };
}

const range = (r: VersionRange) => (r.min === r.max ? `v${r.min}` : `v${r.min}-v${r.max}`);

/**
 * The broker and ktc share no version of an API. Non-retriable: no retry,
 * and no other broker of the same cluster, can make the ranges meet.
 */
export class UnsupportedVersionError extends WireError {
  readonly type = 'UNSUPPORTED_VERSION';
  readonly code = 35;

  constructor(address: string, apiKey: number, broker: VersionRange | undefined, ktc: VersionRange) {
    const name = apiName(apiKey);
    const offer = broker ? `accepts ${name} ${range(broker)}` : `does not offer ${name}`;
    super(`the broker at ${address} ${offer} and ktc speaks ${name} ${range(ktc)}: ${KTC_BROKER_SUPPORT}`, 'unsupportedVersion', false);
  }
}

/** The highest version in both ranges, or undefined when they do not meet. */
export function highestCommon(broker: VersionRange | undefined, ktcMin: number, ktcMax: number): number | undefined {
  if (!broker) return undefined;
  const v = Math.min(broker.max, ktcMax);
  return v >= Math.max(broker.min, ktcMin) ? v : undefined;
}

/**
 * The first version of each response that asks the client to hold back
 * after a throttle (KIP-219, Kafka 2.0): before it the broker delayed the
 * response itself. An API missing here counts as asking the client: true of
 * every API added after 2.0, and the wire engine speaks no older one that is
 * missing. Mirrors the Java client's `shouldClientThrottle`.
 */
const CLIENT_THROTTLE_FROM: Record<number, number> = {
  0: 6, // Produce
  1: 8, // Fetch
  2: 3, // ListOffsets
  3: 6, // Metadata
  8: 4, // OffsetCommit
  9: 4, // OffsetFetch
  10: 2, // FindCoordinator
  11: 3, // JoinGroup
  12: 2, // Heartbeat
  13: 2, // LeaveGroup
  14: 2, // SyncGroup
  15: 2, // DescribeGroups
  16: 2, // ListGroups
  18: 2, // ApiVersions
  19: 3, // CreateTopics
  20: 2, // DeleteTopics
  22: 1, // InitProducerId
};

export function clientThrottles(apiKey: number, version: number): boolean {
  const from = CLIENT_THROTTLE_FROM[apiKey];
  return from === undefined || version >= from;
}
