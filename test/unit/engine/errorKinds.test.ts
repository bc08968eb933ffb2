import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ERROR_HINTS } from '../../../src/cli/errorHints.js';
import { describeKafkaError, isUnknownTopic, kafkaError, type ErrorContext } from '../../../src/engine/kafkaErrors.js';
import { UnsupportedVersionError } from '../../../src/engine/wire/apiVersions.js';
import { CodecUnavailableError } from '../../../src/engine/wire/compression.js';
import { ConnectionError, DeliveryTimeoutError, KafkaProtocolError, WireError } from '../../../src/engine/wire/protocolErrors.js';
import { CorruptBatchError, UnsupportedMessageFormatError } from '../../../src/engine/wire/recordBatchReader.js';
import { ExitCode, isRetriable, isRetriableBeyondKafkajs, KtcError, KtcFailure, UsageError } from '../../../src/errors.js';

/** kafkajs' own error classes, as its admin and group code throw them (a test may reach into kafkajs). */
const kafkajsErrors = createRequire(import.meta.url)('kafkajs/src/errors.js') as Record<string, new (...args: unknown[]) => Error>;
const kafkajsError = (name: string, ...args: unknown[]): Error => new (kafkajsErrors[name] as new (...a: unknown[]) => Error)(...args);

const ctx: ErrorContext = { action: 'produce', brokers: ['b1:9092', 'b2:9092'], topic: 't', username: 'u' };

describe('one hierarchy for the errors ktc raises', () => {
  it('every wire error is a WireError and a KtcFailure with a kind and retriable, and none is a KtcError', () => {
    const errors: Array<[WireError, string, boolean]> = [
      [new KafkaProtocolError(6, 'producing'), 'other', true],
      [new KafkaProtocolError(29, 'producing'), 'topicAuthorization', false],
      [new KafkaProtocolError(31, 'InitProducerId', { api: 'InitProducerId' }), 'idempotentWriteAuthorization', false],
      [new KafkaProtocolError(31, 'CreateAcls'), 'clusterAuthorization', false],
      [new KafkaProtocolError(10, 'producing'), 'recordTooLarge', false],
      [new KafkaProtocolError(3, 'metadata'), 'unknownTopic', true],
      [new KafkaProtocolError(58, 'bad password', { retriable: false }), 'authentication', false],
      [new KafkaProtocolError(34, 'authentication failed', { retriable: false, api: 'SaslAuthenticate' }), 'authentication', false],
      [new KafkaProtocolError(33, 'the broker offers PLAIN', { retriable: false }), 'other', false],
      [new ConnectionError('b1:9092: connect ECONNREFUSED', { code: 'ECONNREFUSED' }), 'unreachable', true],
      [new DeliveryTimeoutError(120_000, undefined), 'deliveryTimeout', false],
      [new CorruptBatchError(42, 'CRC mismatch', 'x'), 'corruptData', false],
      [new UnsupportedMessageFormatError(0, 1), 'unsupportedByEngine', false],
      [new UnsupportedVersionError('b1:9092', 0, undefined, { min: 3, max: 8 }), 'unsupportedVersion', false],
      [new CodecUnavailableError('zstd needs a binary'), 'codecUnavailable', false],
    ];
    for (const [err, kind, retriable] of errors) {
      expect(err).toBeInstanceOf(WireError);
      expect(err).toBeInstanceOf(KtcFailure);
      expect(err).not.toBeInstanceOf(KtcError);
      expect([err.constructor.name, err.kind, err.retriable, isRetriable(err)]).toEqual([err.constructor.name, kind, retriable, retriable]);
      expect(err.name).toBe(err.constructor.name);
    }
  });

  it("keeps Kafka's names and codes on protocol errors, and Node's code on connection errors", () => {
    expect(new KafkaProtocolError(29, 'producing to t[1]')).toMatchObject({
      code: 29,
      type: 'TOPIC_AUTHORIZATION_FAILED',
      message: 'TOPIC_AUTHORIZATION_FAILED: producing to t[1]',
    });
    expect(new ConnectionError('b1:9092: getaddrinfo ENOTFOUND b1', { code: 'ENOTFOUND' })).toMatchObject({
      code: 'ENOTFOUND',
      message: 'Connection error: b1:9092: getaddrinfo ENOTFOUND b1',
    });
  });

  it('user-facing errors are KtcFailures too: final, with their kind', () => {
    expect(new UsageError('bad flag')).toMatchObject({ kind: 'usage', retriable: false, exitCode: 2, name: 'UsageError' });
    expect(new KtcError('broke')).toMatchObject({ kind: 'other', retriable: false, exitCode: 1, name: 'KtcError' });
  });

  it("tells retriable from final for ktc's errors by field, for kafkajs' by its retriable field, and retries anything else", () => {
    expect(isRetriable(kafkajsError('KafkaJSNonRetriableError', 'no'))).toBe(false);
    expect(isRetriable(kafkajsError('KafkaJSProtocolError', { type: 'NOT_LEADER_OR_FOLLOWER', message: 'x', retriable: true }))).toBe(true);
    expect(isRetriable(new Error('socket hang up'))).toBe(true);
    expect(isRetriable('a string')).toBe(true);
  });

  it("past kafkajs' own retries: retriable when what they gave up on was, final otherwise", () => {
    const exhausted = (cause: Error) => kafkajsError('KafkaJSNumberOfRetriesExceeded', cause, { retryCount: 5, retryTime: 1000 });
    const loading = exhausted(kafkajsError('KafkaJSProtocolError', { type: 'COORDINATOR_LOAD_IN_PROGRESS', message: 'x', retriable: true }));
    expect(isRetriable(loading)).toBe(false);
    expect(isRetriableBeyondKafkajs(loading)).toBe(true);
    expect(isRetriableBeyondKafkajs(exhausted(kafkajsError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED')))).toBe(true);
    expect(isRetriableBeyondKafkajs(exhausted(new KafkaProtocolError(29, 'fetching offsets')))).toBe(false);
    expect(isRetriableBeyondKafkajs(kafkajsError('KafkaJSNonRetriableError', 'no'))).toBe(false);
    expect(isRetriableBeyondKafkajs(new ConnectionError('b1:9092: connection closed'))).toBe(true);
  });
});

describe("error lines from ktc's own errors: by kind, never by their wording", () => {
  it('a ktc error is classified by its kind even when its text reads like another error', () => {
    const misleading = new WireError('Connection error: TOPIC_AUTHORIZATION_FAILED, certificate has expired', 'other', true);
    expect(describeKafkaError(misleading, ctx, ERROR_HINTS)).toMatchObject({
      message: 'produce failed: Connection error: TOPIC_AUTHORIZATION_FAILED, certificate has expired',
      fatal: false,
    });
  });

  it('topic authorization, from the wire producer', () => {
    expect(describeKafkaError(new KafkaProtocolError(29, 'producing to t[1] on b1:9092'), ctx, ERROR_HINTS)).toMatchObject({
      message: 'not authorized to write to topic "t" as user "u": the user needs producer ACLs on it (data-integrator extra-user-roles)',
      fatal: true,
    });
  });

  it("the idempotent producer's InitProducerId refused for want of WRITE", () => {
    expect(
      describeKafkaError(new KafkaProtocolError(31, 'InitProducerId (idempotent producer) on b1:9092', { api: 'InitProducerId' }), ctx, ERROR_HINTS).message,
    ).toBe(
      'not authorized to write to topic "t" as user "u": the user needs producer ACLs on it (the idempotent producer needs WRITE on a topic, or IDEMPOTENT_WRITE on the cluster before Kafka 2.8; --no-idempotent skips that check)',
    );
  });

  it('a corrupt batch keeps the sentence that names topic, partition and offset', () => {
    const inner = new CorruptBatchError(42, 'CRC mismatch', 'stored 1, computed 2');
    const wrapped = new WireError(`t[3]: ${inner.message}`, inner.kind, false, { cause: inner });
    expect(describeKafkaError(wrapped, { ...ctx, action: 'consume' }, ERROR_HINTS)).toEqual({
      kind: 'corruptData',
      message: 't[3]: corrupt record batch at offset 42 (CRC mismatch): stored 1, computed 2',
      fatal: true,
    });
  });

  it('a delivery timeout names its cause in that cause’s own words', () => {
    const cause = new ConnectionError('b1:9092: connect ECONNREFUSED 127.0.0.1:9092', { code: 'ECONNREFUSED' });
    expect(describeKafkaError(new DeliveryTimeoutError(120_000, cause), ctx, ERROR_HINTS)).toEqual({
      kind: 'deliveryTimeout',
      message:
        'messages not acknowledged within the delivery timeout (120 s, --delivery-timeout): cannot reach Kafka at b1:9092,b2:9092: check -s/--servers and the port for -x/--security-protocol, and that the cluster is up',
      fatal: true,
    });
  });

  it("a connection error takes Node's TLS failure from its cause", () => {
    const tls = Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    const err = new ConnectionError(`b1:9093: ${tls.message}`, { code: tls.code, cause: tls });
    expect(describeKafkaError(err, ctx, ERROR_HINTS).message).toBe(
      'the broker certificate at b1:9092,b2:9092 does not name that host: connect by a name it lists, or pass --no-verify-hostname (client.py never checked)',
    );
  });

  it('a retriable connection error is counted, not fatal', () => {
    expect(describeKafkaError(new ConnectionError('b1:9092: connection closed'), ctx, ERROR_HINTS).fatal).toBe(false);
  });
});

describe("error lines from kafkajs' errors: by their class names and type fields, as before", () => {
  it('a protocol error by its type', () => {
    const err = kafkajsError('KafkaJSProtocolError', {
      type: 'GROUP_AUTHORIZATION_FAILED',
      code: 30,
      message: 'Not authorized to access group',
      retriable: false,
    });
    expect(describeKafkaError(err, { ...ctx, action: 'consume', groupId: 'u-1' }, ERROR_HINTS).message).toBe(
      'not authorized to use consumer group "u-1" as user "u" (or its coordinator is unavailable): the group id must start with a prefix the user may READ; set it with -c/--consumer-group-prefix',
    );
  });

  it('retries exhausted on a connection error: unreachable, and final', () => {
    const err = kafkajsError('KafkaJSNumberOfRetriesExceeded', kafkajsError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED'), {
      retryCount: 5,
      retryTime: 1000,
    });
    expect(describeKafkaError(err, ctx, ERROR_HINTS)).toEqual({
      kind: 'unreachable',
      message: 'cannot reach Kafka at b1:9092,b2:9092: check -s/--servers and the port for -x/--security-protocol, and that the cluster is up',
      fatal: true,
    });
  });

  it('topic creation errors listed in an aggregate', () => {
    const inner = kafkajsError('KafkaJSProtocolError', {
      type: 'INVALID_REPLICATION_FACTOR',
      code: 38,
      message: 'Replication factor is invalid',
      retriable: false,
    });
    const err = kafkajsError('KafkaJSAggregateError', 'Topic creation errors', [inner]);
    expect(describeKafkaError(err, { ...ctx, action: 'create topic' }, ERROR_HINTS).message).toBe(
      'cannot create topic "t": the replication factor is larger than the number of brokers; lower -r/--replication-factor',
    );
  });

  it("an unknown topic, for the admin's wait on a topic another client is creating", () => {
    expect(isUnknownTopic(kafkajsError('KafkaJSProtocolError', { type: 'LEADER_NOT_AVAILABLE', code: 5, message: 'x', retriable: true }))).toBe(true);
    expect(isUnknownTopic(new KafkaProtocolError(3, 'metadata for topic "t"'))).toBe(true);
    expect(isUnknownTopic(kafkajsError('KafkaJSProtocolError', { type: 'NOT_CONTROLLER', code: 41, message: 'x', retriable: true }))).toBe(false);
  });
});

describe('kinds the CLI maps to hints', () => {
  const unsupported = new UnsupportedMessageFormatError(0, 1);
  const wrapped = new WireError(`t[0]: ${unsupported.message}`, unsupported.kind, false, { cause: unsupported });

  it("data the wire consumer cannot read: the engine says so, the CLI's hint names the other engine", () => {
    expect(describeKafkaError(wrapped, { ...ctx, action: 'consume' }, ERROR_HINTS)).toEqual({
      kind: 'unsupportedByEngine',
      message:
        "t[0]: offset 0 holds messages in Kafka's pre-0.11 format (magic 1), which ktc's wire consumer does not read; consume this topic with --engine kafkajs or a Java consumer",
      fatal: true,
    });
  });

  it('without hints every line still reads as a sentence, and names no flag', () => {
    const refused = (type: string, code: number) => kafkajsError('KafkaJSProtocolError', { type, code, message: type, retriable: false });
    const lines = [
      wrapped,
      new DeliveryTimeoutError(120_000, new ConnectionError('b1:9092: connection closed')),
      new KafkaProtocolError(58, 'bad password', { retriable: false }),
      refused('GROUP_AUTHORIZATION_FAILED', 30),
      new KafkaProtocolError(31, 'InitProducerId', { api: 'InitProducerId' }),
      new KafkaProtocolError(10, 'producing'),
      refused('INVALID_REPLICATION_FACTOR', 38),
      Object.assign(new Error('getaddrinfo ENOTFOUND b1'), { code: 'ENOTFOUND' }),
      kafkajsError('KafkaJSRequestTimeoutError', 'Request produce(key: 0, version: 7) timed out'),
    ].map((err) => describeKafkaError(err, ctx).message);
    expect(lines).toEqual([
      "t[0]: offset 0 holds messages in Kafka's pre-0.11 format (magic 1), which ktc's wire consumer does not read",
      'messages not acknowledged within the delivery timeout (120 s): cannot reach Kafka at b1:9092,b2:9092',
      'authentication failed as user "u" at b1:9092,b2:9092',
      'not authorized to use consumer group "?" as user "u" (or its coordinator is unavailable): the group id must start with a prefix the user may READ',
      'not authorized to write to topic "t" as user "u": the user needs producer ACLs on it (the idempotent producer needs WRITE on a topic, or IDEMPOTENT_WRITE on the cluster before Kafka 2.8)',
      'the broker refused a record as too large (message.max.bytes)',
      'cannot create topic "t": the replication factor is larger than the number of brokers',
      'cannot resolve the broker host in b1:9092,b2:9092',
      'Kafka at b1:9092,b2:9092 did not answer in time: the cluster may be down or overloaded',
    ]);
  });

  it('the error that reaches the user carries the kind, the hinted line and the client error as its cause', () => {
    const cause = new KafkaProtocolError(29, 'producing');
    const err = kafkaError(cause, ctx, ERROR_HINTS);
    expect(err).toBeInstanceOf(KtcError);
    expect(err).toMatchObject({ kind: 'topicAuthorization', exitCode: ExitCode.failure, cause });
    expect(err.message).toBe('not authorized to write to topic "t" as user "u": the user needs producer ACLs on it (data-integrator extra-user-roles)');
  });
});
