import type { ErrorHints } from '../errors.js';

/**
 * What the user can do about each kind of failure, in this CLI's flags. The engine words the failure and leaves
 * the place (src/engine/kafkaErrors.ts); each hint starts with the punctuation that joins it there. A unit test
 * checks that every flag named here is one of ktc's.
 */
export const ERROR_HINTS = {
  authentication: ': check the username and password (-u/-p, --credentials) and the SASL mechanism',
  groupAuthorization: '; set it with -c/--consumer-group-prefix',
  idempotentWriteAuthorization: '; --no-idempotent skips that check',
  certificateHostname: ', or pass --no-verify-hostname (client.py never checked)',
  untrustedCertificate: ": pass the cluster's CA with --cafile-path",
  clientCertificateRequired: ' (--certfile-path and --keyfile-path)',
  notTls: ': use -x SASL_PLAINTEXT or the TLS port (9093 on Charmed Kafka)',
  recordTooLarge: ': use a smaller --record-size or --batch-size',
  replicationFactor: '; lower -r/--replication-factor',
  partitionCount: ' (--num-partitions)',
  unresolvedHost: ': check -s/--servers',
  unreachable: ': check -s/--servers and the port for -x/--security-protocol, and that the cluster is up',
  timeout: ' (--timeout sets the limit)',
  deliveryTimeout: ', --delivery-timeout',
  unsupportedByEngine: '; consume this topic with --engine kafkajs or a Java consumer',
} as const satisfies ErrorHints;
