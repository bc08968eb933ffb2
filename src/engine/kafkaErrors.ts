import { ExitCode, isRetriable, KtcError, KtcFailure, type ErrorHints, type ErrorKind } from '../errors.js';
import { DeliveryTimeoutError } from './wire/protocolErrors.js';

/** What ktc was doing when the client library failed: names the topic or group in the message. */
export interface ErrorContext {
  action: 'connect' | 'create topic' | 'produce' | 'consume';
  brokers: string[];
  username?: string;
  topic?: string;
  groupId?: string;
  recordSize?: number;
}

interface ErrorFacts {
  /** The kinds of ktc's own errors on the cause chain. */
  kinds: Set<ErrorKind>;
  /**
   * Names, protocol error types, system codes and messages of the other errors on the chain: kafkajs' (its
   * classes' names and `type` fields) and Node's (TLS and socket errors: codes, and messages where Node gives no
   * code). ktc's own errors add only the system code a connection error carries over from Node.
   */
  foreign: string[];
  /** Every message on the chain, outermost first: the words of a line no rule has a sentence for. */
  messages: string[];
  retriable: boolean;
}

/** Collects kinds, foreign facts and messages along the cause chain of a client error. */
function facts(err: unknown): ErrorFacts {
  const out: ErrorFacts = { kinds: new Set(), foreign: [], messages: [], retriable: true };
  let current: unknown = err;
  for (let depth = 0; current && depth < 8; depth++) {
    if (typeof current !== 'object') {
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a thrown non-object (a string, a number): String() is its text
      const text = String(current);
      out.foreign.push(text);
      out.messages.push(text);
      break;
    }
    const e = current as {
      name?: unknown;
      type?: unknown;
      code?: unknown;
      message?: unknown;
      retriable?: unknown;
      cause?: unknown;
      originalError?: unknown;
      errors?: unknown;
    };
    // Aggregate errors (e.g. kafkajs' "Topic creation errors") carry the broker's answers in a list.
    if (Array.isArray(e.errors)) {
      for (const inner of e.errors) {
        const sub = facts(inner);
        for (const kind of sub.kinds) out.kinds.add(kind);
        out.foreign.push(...sub.foreign);
        out.messages.push(...sub.messages);
        if (!sub.retriable) out.retriable = false;
      }
    }
    if (current instanceof KtcFailure) {
      out.kinds.add(current.kind);
      if (typeof e.code === 'string') out.foreign.push(e.code);
    } else {
      for (const fact of [e.name, e.type, e.code, e.message]) if (typeof fact === 'string') out.foreign.push(fact);
    }
    if (typeof e.message === 'string') out.messages.push(e.message);
    if (!isRetriable(current)) out.retriable = false;
    current = e.cause ?? e.originalError;
  }
  return out;
}

/** A kind of ktc's own on the chain, or (for kafkajs' and Node's errors) a foreign fact matching `pattern`. */
function is(f: ErrorFacts, kind: ErrorKind | undefined, pattern?: RegExp): boolean {
  return (kind !== undefined && f.kinds.has(kind)) || (pattern !== undefined && f.foreign.some((s) => pattern.test(s)));
}

/** A broker's "no such topic (yet)": what a client sees between another client's creation and its metadata reaching every broker. */
export function isUnknownTopic(err: unknown): boolean {
  return is(facts(err), 'unknownTopic', /UNKNOWN_TOPIC_OR_PARTITION|LEADER_NOT_AVAILABLE|does not host this topic-partition/);
}

const who = (ctx: ErrorContext) => (ctx.username ? ` as user "${ctx.username}"` : '');

/** One client failure as the user reads it. */
export interface KafkaProblem {
  kind: ErrorKind;
  /** One line: what is wrong, and what to do (with the front end's hints in their places). */
  message: string;
  /** Ends the run at once; otherwise the failure is counted and the run goes on until its timeout. */
  fatal: boolean;
}

/**
 * Turns a client-library failure into one line that says what is wrong and
 * what to do. `fatal` errors end a run at once; the others (leader moves, a
 * broker restarting) are counted and the run goes on until its timeout.
 *
 * The engine knows no flags: where a setting of the front end would help, the
 * line leaves a place that `hints` fills for that kind (the CLI's table is
 * src/cli/errorHints.ts); without hints the line still reads as a sentence.
 */
export function describeKafkaError(err: unknown, ctx: ErrorContext, hints: ErrorHints = {}): KafkaProblem {
  const f = facts(err);
  const servers = ctx.brokers.join(',');
  const topic = ctx.topic ? `topic "${ctx.topic}"` : 'the topic';
  const hint = (kind: ErrorKind): string => hints[kind] ?? '';
  const fatal = (kind: ErrorKind, message: string): KafkaProblem => ({ kind, message, fatal: true });

  if (is(f, 'corruptData') || is(f, 'unsupportedByEngine')) {
    const kind = is(f, 'unsupportedByEngine') ? 'unsupportedByEngine' : 'corruptData';
    // The reader's sentence already names the topic, partition and offset; retrying returns the same bytes.
    return fatal(kind, `${f.messages[0] ?? String(err)}${hint(kind)}`);
  }
  if (err instanceof DeliveryTimeoutError) {
    const why = err.cause ? describeKafkaError(err.cause, ctx, hints).message : 'no answer from the cluster';
    return fatal(
      'deliveryTimeout',
      `messages not acknowledged within the delivery timeout (${Math.round(err.timeoutMs / 1000)} s${hint('deliveryTimeout')}): ${why}`,
    );
  }

  if (is(f, 'authentication', /SASLAuthentication|SASL_AUTHENTICATION_FAILED|authentication failed/i)) {
    return fatal('authentication', `authentication failed${who(ctx)} at ${servers}${hint('authentication')}`);
  }
  if (is(f, 'topicAuthorization', /TOPIC_AUTHORIZATION_FAILED/)) {
    const verb = ctx.action === 'consume' ? 'read' : ctx.action === 'create topic' ? 'create or describe' : 'write to';
    return fatal(
      'topicAuthorization',
      `not authorized to ${verb} ${topic}${who(ctx)}: the user needs ${ctx.action === 'consume' ? 'consumer' : 'producer'} ACLs on it (data-integrator extra-user-roles)${hint('topicAuthorization')}`,
    );
  }
  if (is(f, 'groupAuthorization', /GROUP_AUTHORIZATION_FAILED|GroupCoordinatorNotFound/)) {
    return fatal(
      'groupAuthorization',
      `not authorized to use consumer group "${ctx.groupId ?? '?'}"${who(ctx)} (or its coordinator is unavailable): the group id must start with a prefix the user may READ${hint('groupAuthorization')}`,
    );
  }
  if (is(f, 'idempotentWriteAuthorization') || (is(f, undefined, /CLUSTER_AUTHORIZATION_FAILED/) && is(f, undefined, /InitProducerId/))) {
    // Since Kafka 2.8 WRITE on any topic is enough for an idempotent producer: without it the user cannot produce at all.
    return fatal(
      'idempotentWriteAuthorization',
      `not authorized to write to ${topic}${who(ctx)}: the user needs producer ACLs on it (the idempotent producer needs WRITE on a topic, or IDEMPOTENT_WRITE on the cluster before Kafka 2.8${hint('idempotentWriteAuthorization')})`,
    );
  }
  if (is(f, 'clusterAuthorization', /CLUSTER_AUTHORIZATION_FAILED/)) {
    return fatal(
      'clusterAuthorization',
      `not authorized for this cluster operation${who(ctx)}: ask the cluster admin for the ACL${hint('clusterAuthorization')}`,
    );
  }
  if (is(f, 'certificateHostname', /ERR_TLS_CERT_ALTNAME_INVALID|Hostname\/IP does not match/)) {
    return fatal(
      'certificateHostname',
      `the broker certificate at ${servers} does not name that host: connect by a name it lists${hint('certificateHostname')}`,
    );
  }
  if (
    is(
      f,
      'untrustedCertificate',
      /SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|CERT_SIGNATURE_FAILURE|certificate verify failed|self[- ]signed certificate/i,
    )
  ) {
    return fatal('untrustedCertificate', `the broker certificate at ${servers} is not signed by a trusted CA${hint('untrustedCertificate')}`);
  }
  if (is(f, 'certificateExpired', /CERT_HAS_EXPIRED|certificate has expired/)) {
    return fatal('certificateExpired', `a certificate has expired (broker or client at ${servers}): renew it${hint('certificateExpired')}`);
  }
  if (is(f, 'clientCertificateRequired', /alert (certificate required|bad certificate|unknown ca|handshake failure)|SSL alert number 4[0-9]/i)) {
    return fatal(
      'clientCertificateRequired',
      `the broker at ${servers} refused the TLS handshake: it requires a client certificate signed by its CA${hint('clientCertificateRequired')}`,
    );
  }
  // A TLS handshake sent to a plain-text listener: Kafka reads the ClientHello as an impossible request size and
  // closes the connection before the handshake ends (Node: "disconnected before secure TLS connection was
  // established"); a server that answers in plain text instead gives OpenSSL's "wrong version number".
  if (is(f, 'notTls', /wrong version number|packet length too long|WRONG_VERSION_NUMBER|before secure TLS connection was established/i)) {
    return fatal('notTls', `the broker at ${servers} does not speak TLS on this port${hint('notTls')}`);
  }
  if (is(f, 'recordTooLarge', /MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE/)) {
    return fatal(
      'recordTooLarge',
      `the broker refused a record${ctx.recordSize ? ` of ${ctx.recordSize} bytes` : ''} as too large (message.max.bytes)${hint('recordTooLarge')}`,
    );
  }
  if (is(f, 'replicationFactor', /INVALID_REPLICATION_FACTOR/)) {
    return fatal('replicationFactor', `cannot create ${topic}: the replication factor is larger than the number of brokers${hint('replicationFactor')}`);
  }
  if (is(f, 'partitionCount', /INVALID_PARTITIONS/)) {
    return fatal('partitionCount', `cannot create ${topic}: the number of partitions must be at least 1${hint('partitionCount')}`);
  }
  if (is(f, 'invalidTopic', /INVALID_TOPIC_EXCEPTION|INVALID_TOPIC/)) {
    return fatal('invalidTopic', `"${String(ctx.topic)}" is not a valid topic name: use up to 249 characters from a-z A-Z 0-9 . _ -${hint('invalidTopic')}`);
  }
  if (is(f, 'unknownTopic', /UNKNOWN_TOPIC_OR_PARTITION|does not host this topic-partition|TopicMetadataNotLoaded/)) {
    return fatal(
      'unknownTopic',
      `${topic} does not exist (topics are not created automatically): create it by running the producer, or ask the admin${hint('unknownTopic')}`,
    );
  }
  if (is(f, 'unresolvedHost', /ENOTFOUND|EAI_AGAIN/)) {
    return fatal('unresolvedHost', `cannot resolve the broker host in ${servers}${hint('unresolvedHost')}`);
  }
  if (
    is(
      f,
      'unreachable',
      /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|Connection (error|timeout)|KafkaJSConnection|KafkaJSNoBrokerAvailable|BrokerNotFound|Closed connection/i,
    )
  ) {
    return { kind: 'unreachable', message: `cannot reach Kafka at ${servers}${hint('unreachable')}`, fatal: !f.retriable };
  }
  if (is(f, 'timeout', /RequestTimeout|KafkaJSTimeout|timed out/i)) {
    return { kind: 'timeout', message: `Kafka at ${servers} did not answer in time: the cluster may be down or overloaded${hint('timeout')}`, fatal: false };
  }
  const last = f.messages.at(-1) ?? String(err);
  const [kind = 'other'] = f.kinds;
  return { kind, message: `${ctx.action} failed: ${last}${hint(kind)}`, fatal: !f.retriable };
}

/** The failure as the error that reaches the user: its line (with `hints`), and its kind. */
export function kafkaError(err: unknown, ctx: ErrorContext, hints: ErrorHints = {}): KtcError {
  const problem = describeKafkaError(err, ctx, hints);
  return new KtcError(problem.message, ExitCode.failure, { cause: err, kind: problem.kind });
}
