import type { RunConfig } from '../config/runConfig.js';
import { KtcError, type ErrorHints } from '../errors.js';
import type { ProgressSnapshot } from '../run/clientRun.js';
import type { RunResult } from '../run/runResult.js';
import { defaultWorkerId, helloMessage, ResultsTopic } from './resultsTopic.js';

export interface WorkerSettings {
  runId: string;
  workersExpected?: number;
  resultsTopic: string;
  /** Under the user's consumer-group prefix, for the barrier's reader. */
  groupPrefix: string;
  /** The front end's words for error kinds, put in the engine's error lines. */
  errorHints: ErrorHints;
}

/** One ktc process as a worker of a named run: announce, wait for the others, report progress and the result. */
export class DistributedWorker {
  readonly workerId = defaultWorkerId();
  private readonly topic: ResultsTopic;
  private publishing: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: RunConfig,
    private readonly settings: WorkerSettings,
    private readonly notice: (text: string) => void,
  ) {
    this.topic = new ResultsTopic(config.connection, settings.resultsTopic, settings.groupPrefix, settings.errorHints);
  }

  /** Before anything else: the topic must be there, or the run would measure and then lose its result. */
  async prepare(): Promise<void> {
    await this.topic.ensure();
  }

  /** The start barrier: announce, then wait until --workers-expected workers have (bounded by --timeout). */
  async gate(): Promise<void> {
    const { runId, workersExpected } = this.settings;
    await this.topic.publish(helloMessage(runId, this.workerId));
    if (workersExpected === undefined || workersExpected <= 1) return;
    const timeoutMs = this.config.connection.timeoutMs;
    this.notice(`worker ${this.workerId} of run "${runId}": waiting for ${workersExpected} workers on ${this.settings.resultsTopic}`);
    const { state, timedOut } = await this.topic.read(runId, (s) => s.hello.length >= workersExpected, Date.now() + timeoutMs);
    if (timedOut) {
      throw new KtcError(
        `only ${state.hello.length} of ${workersExpected} workers of run "${runId}" announced themselves on ${this.settings.resultsTopic} within ${timeoutMs / 1000} s: start the others with the same --run-id, or lower --workers-expected (--timeout sets the wait)`,
      );
    }
  }

  /** Every --progress-interval; queued so messages stay in order, never awaited by the run. */
  progress(s: ProgressSnapshot): void {
    const message = {
      v: 1 as const,
      kind: 'progress' as const,
      runId: this.settings.runId,
      workerId: this.workerId,
      at: new Date().toISOString(),
      seconds: s.elapsedSeconds,
      ...(s.producer ? { produced: s.producer.acked } : {}),
      ...(s.consumer ? { consumed: s.consumer.received } : {}),
    };
    this.publishing = this.publishing.then(() => this.topic.publish(message)).catch(() => undefined);
  }

  async publishResult(result: RunResult): Promise<void> {
    await this.publishing;
    try {
      await this.topic.publish({ v: 1, kind: 'result', runId: this.settings.runId, workerId: this.workerId, at: new Date().toISOString(), result });
    } catch (err) {
      throw new KtcError(
        `the result of worker ${this.workerId} could not be published to ${this.settings.resultsTopic}: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      await this.topic.close();
    }
  }

  async close(): Promise<void> {
    await this.topic.close();
  }
}
