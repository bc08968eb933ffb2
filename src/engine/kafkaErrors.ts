import { ExitCode, isRetriable, KtcError, KtcFailure, type ErrorKind } from '../errors.js';
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

/**
 * Turns a client-library failure into one line that says what is wrong and
 * what to do. `fatal` errors end a run at once; the others (leader moves, a
 * broker restarting) are counted and the run goes on until its timeout.
 */
export function describeKafkaError(err: unknown, ctx: ErrorContext): { message: string; fatal: boolean } {
  const f = facts(err);
  const servers = ctx.brokers.join(',');
  const topic = ctx.topic ? `topic "${ctx.topic}"` : 'the topic';
  const fatal = (message: string) => ({ message, fatal: true });

  if (is(f, 'corruptData') || is(f, 'unsupportedByEngine')) {
    // The reader's sentence already names the topic, partition and offset; retrying returns the same bytes.
    return fatal(f.messages[0] ?? String(err));
  }
  if (err instanceof DeliveryTimeoutError) {
    const why = err.cause ? describeKafkaError(err.cause, ctx).message : 'no answer from the cluster';
    return fatal(`messages not acknowledged within the delivery timeout (${Math.round(err.timeoutMs / 1000)} s, --delivery-timeout): ${why}`);
  }

  if (is(f, 'authentication', /SASLAuthentication|SASL_AUTHENTICATION_FAILED|authentication failed/i)) {
    return fatal(`authentication failed${who(ctx)} at ${servers}: check the username and password (-u/-p, --credentials) and the SASL mechanism`);
  }
  if (is(f, 'topicAuthorization', /TOPIC_AUTHORIZATION_FAILED/)) {
    const verb = ctx.action === 'consume' ? 'read' : ctx.action === 'create topic' ? 'create or describe' : 'write to';
    return fatal(
      `not authorized to ${verb} ${topic}${who(ctx)}: the user needs ${ctx.action === 'consume' ? 'consumer' : 'producer'} ACLs on it (data-integrator extra-user-roles)`,
    );
  }
  if (is(f, 'groupAuthorization', /GROUP_AUTHORIZATION_FAILED|GroupCoordinatorNotFound/)) {
    return fatal(
      `not authorized to use consumer group "${ctx.groupId ?? '?'}"${who(ctx)} (or its coordinator is unavailable): the group id must start with a prefix the user may READ; set it with -c/--consumer-group-prefix`,
    );
  }
  if (is(f, 'idempotentWriteAuthorization') || (is(f, undefined, /CLUSTER_AUTHORIZATION_FAILED/) && is(f, undefined, /InitProducerId/))) {
    // Since Kafka 2.8 WRITE on any topic is enough for an idempotent producer: without it the user cannot produce at all.
    return fatal(
      `not authorized to write to ${topic}${who(ctx)}: the user needs producer ACLs on it (the idempotent producer needs WRITE on a topic, or IDEMPOTENT_WRITE on the cluster before Kafka 2.8; --no-idempotent skips that check)`,
    );
  }
  if (is(f, 'clusterAuthorization', /CLUSTER_AUTHORIZATION_FAILED/)) {
    return fatal(`not authorized for this cluster operation${who(ctx)}: ask the cluster admin for the ACL`);
  }
  if (is(f, 'certificateHostname', /ERR_TLS_CERT_ALTNAME_INVALID|Hostname\/IP does not match/)) {
    return fatal(
      `the broker certificate at ${servers} does not name that host: connect by a name it lists, or pass --no-verify-hostname (client.py never checked)`,
    );
  }
  if (
    is(
      f,
      'untrustedCertificate',
      /SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|CERT_SIGNATURE_FAILURE|certificate verify failed|self[- ]signed certificate/i,
    )
  ) {
    return fatal(`the broker certificate at ${servers} is not signed by a trusted CA: pass the cluster's CA with --cafile-path`);
  }
  if (is(f, 'certificateExpired', /CERT_HAS_EXPIRED|certificate has expired/)) {
    return fatal(`a certificate has expired (broker or client at ${servers}): renew it`);
  }
  if (is(f, 'clientCertificateRequired', /alert (certificate required|bad certificate|unknown ca|handshake failure)|SSL alert number 4[0-9]/i)) {
    return fatal(`the broker at ${servers} refused the TLS handshake: it requires a client certificate signed by its CA (--certfile-path and --keyfile-path)`);
  }
  // A TLS handshake sent to a plain-text listener: Kafka reads the ClientHello as an impossible request size and
  // closes the connection before the handshake ends (Node: "disconnected before secure TLS connection was
  // established"); a server that answers in plain text instead gives OpenSSL's "wrong version number".
  if (is(f, 'notTls', /wrong version number|packet length too long|WRONG_VERSION_NUMBER|before secure TLS connection was established/i)) {
    return fatal(`the broker at ${servers} does not speak TLS on this port: use -x SASL_PLAINTEXT or the TLS port (9093 on Charmed Kafka)`);
  }
  if (is(f, 'recordTooLarge', /MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE/)) {
    return fatal(
      `the broker refused a record${ctx.recordSize ? ` of ${ctx.recordSize} bytes` : ''} as too large (message.max.bytes): use a smaller --record-size or --batch-size`,
    );
  }
  if (is(f, 'replicationFactor', /INVALID_REPLICATION_FACTOR/)) {
    return fatal(`cannot create ${topic}: the replication factor is larger than the number of brokers; lower -r/--replication-factor`);
  }
  if (is(f, 'partitionCount', /INVALID_PARTITIONS/)) {
    return fatal(`cannot create ${topic}: the number of partitions must be at least 1 (--num-partitions)`);
  }
  if (is(f, 'invalidTopic', /INVALID_TOPIC_EXCEPTION|INVALID_TOPIC/)) {
    return fatal(`"${String(ctx.topic)}" is not a valid topic name: use up to 249 characters from a-z A-Z 0-9 . _ -`);
  }
  if (is(f, 'unknownTopic', /UNKNOWN_TOPIC_OR_PARTITION|does not host this topic-partition|TopicMetadataNotLoaded/)) {
    return fatal(`${topic} does not exist (topics are not created automatically): create it by running the producer, or ask the admin`);
  }
  if (is(f, 'unresolvedHost', /ENOTFOUND|EAI_AGAIN/)) {
    return fatal(`cannot resolve the broker host in ${servers}: check -s/--servers`);
  }
  if (
    is(
      f,
      'unreachable',
      /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|Connection (error|timeout)|KafkaJSConnection|KafkaJSNoBrokerAvailable|BrokerNotFound|Closed connection/i,
    )
  ) {
    return {
      message: `cannot reach Kafka at ${servers}: check -s/--servers and the port for -x/--security-protocol, and that the cluster is up`,
      fatal: !f.retriable,
    };
  }
  if (is(f, 'timeout', /RequestTimeout|KafkaJSTimeout|timed out/i)) {
    return { message: `Kafka at ${servers} did not answer in time: the cluster may be down or overloaded (--timeout sets the limit)`, fatal: false };
  }
  const last = f.messages.at(-1) ?? String(err);
  return { message: `${ctx.action} failed: ${last}`, fatal: !f.retriable };
}

export function kafkaError(err: unknown, ctx: ErrorContext): KtcError {
  return new KtcError(describeKafkaError(err, ctx).message, ExitCode.failure, { cause: err });
}
