/**
 * The only module of ktc that imports kafkajs (test/unit/engine/kafkajsClient.test.ts holds every other file to
 * it): kafkajsPatch.ts must run before kafkajs loads, and here that holds by construction, not by import order
 * elsewhere. Everything else takes kafkajs' values and types from this module.
 */
// Must load before kafkajs (see the file).
import './kafkajsPatch.js';
import kafkajs from 'kafkajs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { ConnectionConfig } from '../config/connection.js';
import { codecId, compress, decompress } from './wire/compression.js';

export type { Admin, Assigner, Consumer, GroupMember, GroupMemberAssignment, Kafka, KafkaMessage, PartitionAssigner, Producer } from 'kafkajs';

const { Kafka, logLevel, CompressionTypes, CompressionCodecs } = kafkajs;
export const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;
export { CompressionTypes };
/** kafkajs' codec numbers (its CompressionTypes enum) as a type. */
export type CompressionType = kafkajs.CompressionTypes;

// kafkajs ships gzip only: give it ktc's own codecs (Kafka's framing for each, shared with the wire engine), so
// --engine kafkajs reads and writes snappy, lz4 and zstd too.
for (const [type, codec] of [
  [CompressionTypes.Snappy, 'snappy'],
  [CompressionTypes.LZ4, 'lz4'],
  [CompressionTypes.ZSTD, 'zstd'],
] as const) {
  CompressionCodecs[type] = () => ({
    // kafkajs awaits these; a codec error (missing binary, corrupt data) must reach it as a rejection, not a throw.
    compress: (encoder: { buffer: Buffer }) => new Promise<Buffer>((resolve) => resolve(compress(codec, encoder.buffer))),
    decompress: (buffer: Buffer) => new Promise<Buffer>((resolve) => resolve(decompress(codecId(codec), buffer))),
  });
}

// kafkajs warns about its partitioner change on every producer; ktc always picks partitions itself.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

function saslOptions(config: ConnectionConfig): SASLOptions | undefined {
  if (!config.sasl) return undefined;
  const { username, password } = config.sasl;
  switch (config.sasl.mechanism) {
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username, password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'PLAIN':
      return { mechanism: 'plain', username, password };
  }
}

/**
 * kafkajs re-authenticates when a session has less than this left. Sessions of
 * 10 s then re-authenticate at 80 %, long ones a few seconds before they end
 * (the Java client picks 85-95 %, which a fixed threshold cannot express).
 * Sessions shorter than 3 s would re-authenticate more than once a second.
 */
export const KAFKAJS_REAUTH_THRESHOLD_MS = 2000;

/**
 * kafkajs retries a refused connection on its own, 5 times with growing waits (300 ms, then doubling, ±20 %, capped
 * here). A cluster that refuses connections must get its own line, "cannot reach Kafka", not --timeout's "no
 * answer", which means a cluster that accepts connections and stays silent: so the waits must end well within
 * --timeout. With a tenth of it as the cap they add up to at most half of --timeout from 4 s on (a third at the
 * default 30 s); with a quarter, an 8 s --timeout had under a second to spare.
 */
function maxRetryTimeMs(timeoutMs: number): number {
  return Math.max(100, Math.floor(timeoutMs / 10));
}

export function kafkajsConfig(config: ConnectionConfig): KafkaConfig {
  const tls = config.tls;
  const sasl = saslOptions(config);
  return {
    clientId: config.clientId,
    brokers: config.brokers,
    connectionTimeout: Math.min(config.timeoutMs, 10_000),
    authenticationTimeout: Math.min(config.timeoutMs, 10_000),
    // Brokers with connections.max.reauth.ms close a connection whose SASL session expired (KIP-368). kafkajs
    // re-authenticates before a request once less than this is left of the session; its 10 s default makes
    // every request re-authenticate when sessions last 10 s, which the broker refuses (at most once a second).
    reauthenticationThreshold: KAFKAJS_REAUTH_THRESHOLD_MS,
    requestTimeout: config.timeoutMs,
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: maxRetryTimeMs(config.timeoutMs) },
    logLevel: process.env.KTC_DEBUG ? logLevel.DEBUG : logLevel.NOTHING,
    ...(sasl ? { sasl } : {}),
    ...(tls
      ? {
          ssl: {
            rejectUnauthorized: true,
            ...(tls.ca ? { ca: [tls.ca] } : {}),
            ...(tls.cert ? { cert: tls.cert } : {}),
            ...(tls.key ? { key: tls.key } : {}),
            ...(tls.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
          },
        }
      : {}),
  };
}

/** Consumers outlast a leader election after a broker dies (session timeout plus election, seconds on a busy host). */
export const CONSUMER_RETRY = { retries: 10, initialRetryTime: 300, maxRetryTime: 5000 };

export function createKafka(config: ConnectionConfig): InstanceType<typeof Kafka> {
  return new Kafka(kafkajsConfig(config));
}
