/**
 * Exit statuses ktc documents in --help and the README. Scripts and the
 * kafka-test-app charm rely on them, so they never change meaning.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  verificationFailed: 3,
  /** SIGINT (Ctrl+C), after draining in-flight messages and printing the summary: 128 + 2, as shells report it. */
  interrupted: 130,
  /** SIGTERM, the same drain and summary: 128 + 15. */
  terminated: 143,
} as const;

export type ExitStatus = (typeof ExitCode)[keyof typeof ExitCode];

/** The status a run stopped by this signal exits with. */
export function signalExitCode(signal: NodeJS.Signals): ExitStatus {
  return signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted;
}

/**
 * What failed, in words every layer shares. The engine classifies client errors into kinds; the CLI maps kinds
 * to hints naming its flags (src/cli/errorHints.ts), so nothing below the CLI names a flag.
 */
export type ErrorKind =
  | 'usage'
  | 'authentication'
  | 'topicAuthorization'
  | 'groupAuthorization'
  /** The idempotent producer's InitProducerId refused for want of WRITE (or IDEMPOTENT_WRITE before Kafka 2.8). */
  | 'idempotentWriteAuthorization'
  | 'clusterAuthorization'
  | 'certificateHostname'
  | 'untrustedCertificate'
  | 'certificateExpired'
  | 'clientCertificateRequired'
  | 'notTls'
  | 'recordTooLarge'
  | 'replicationFactor'
  | 'partitionCount'
  | 'invalidTopic'
  | 'unknownTopic'
  | 'unresolvedHost'
  | 'unreachable'
  | 'timeout'
  | 'deliveryTimeout'
  | 'corruptData'
  /** Data this engine cannot read although another can (the wire consumer and pre-0.11 message sets). */
  | 'unsupportedByEngine'
  | 'unsupportedVersion'
  | 'codecUnavailable'
  | 'other';

/**
 * Per kind, what a front end adds to the engine's sentence: the place is the engine's, the words (flags) the
 * front end's. Plain data, so it crosses into worker threads.
 */
export type ErrorHints = Readonly<Partial<Record<ErrorKind, string>>>;

/**
 * The root of the errors ktc raises on purpose: `kind` says what failed, `retriable` whether the same request
 * may succeed later (Java's RetriableException). Anything else that escapes is a bug, or another library's error.
 */
export class KtcFailure extends Error {
  readonly kind: ErrorKind;
  readonly retriable: boolean;

  constructor(message: string, kind: ErrorKind, retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.kind = kind;
    this.retriable = retriable;
  }
}

/**
 * Whether retrying can help. ktc's own errors say so; kafkajs' errors carry the same `retriable` field (false on
 * its non-retriable ones); anything else is retried until its deadline, as it always was.
 */
export function isRetriable(err: unknown): boolean {
  if (err instanceof KtcFailure) return err.retriable;
  return !(typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === false);
}

/**
 * Whether a caller that retries until its own deadline should try a kafkajs call again: kafkajs wraps the last
 * error of its own few retries in KafkaJSNumberOfRetriesExceeded, which says retriable: false, though whether
 * waiting longer can help is that error's to say (kafkajs' own consumer restarts on it too).
 */
export function isRetriableBeyondKafkajs(err: unknown): boolean {
  const e = err as { name?: unknown; cause?: unknown } | null;
  if (e?.name === 'KafkaJSNumberOfRetriesExceeded' && e.cause !== undefined) return isRetriable(e.cause);
  return isRetriable(err);
}

/**
 * The one error type that reaches the user: a single line saying what is
 * wrong and what to do, plus the exit status. Anything else that escapes is a
 * bug and is reported as such (still without a stack trace unless KTC_DEBUG).
 */
export class KtcError extends KtcFailure {
  readonly exitCode: ExitStatus;

  constructor(message: string, exitCode: ExitStatus = ExitCode.failure, options?: { cause?: unknown; kind?: ErrorKind }) {
    super(message, options?.kind ?? 'other', false, options?.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = exitCode;
  }
}

export class UsageError extends KtcError {
  constructor(message: string) {
    super(message, ExitCode.usage, { kind: 'usage' });
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
