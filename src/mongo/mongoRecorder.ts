import type { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { RunConfig } from '../config/runConfig.js';
import type { ConsumedMessage } from '../engine/engine.js';
import { errorMessage, KtcError, UsageError } from '../errors.js';
import type { MessageRecorder } from '../run/messageRecorder.js';
import type { CollectionWrites, MongoResult } from './mongoResult.js';
import { redactMongoUri } from './mongoUri.js';
import { packValues, type FromRecorder, type RecorderSetup, type ToRecorder } from './recorderMessages.js';
import { defined } from '../defined.js';
import { startWorker } from '../shipped/workerScript.js';

export interface RecorderOptions extends RecorderSetup {
  /** A consumed message whose document was already there (client.py logs it and goes on). */
  onDuplicate?: (id: string) => void;
}

/**
 * --mongo-uri, on the main thread: takes note of acknowledged and consumed values and, on the next turn of the
 * event loop, copies them into one transferable block for the writer thread (recorderWorker.ts), which parses
 * them, writes client.py's documents and connects, all away from the send loop and the consumer.
 */
class MongoRecorder implements MessageRecorder {
  private producedPending: Array<readonly Buffer[]> = [];
  private consumedPending: Array<{ messages: readonly ConsumedMessage[]; count: number; atMs: number }> = [];
  private flushScheduled = false;
  /** Sent to the thread, to be counted as not written if it dies with them. */
  private sent = { producer: 0, consumer: 0 };
  private finished: Promise<MongoResult> | undefined;
  private threadFailure: string | undefined;
  private resolveFinished: ((result: MongoResult) => void) | undefined;

  constructor(
    private readonly worker: Worker,
    private readonly options: RecorderOptions,
  ) {
    worker.on('message', (message: FromRecorder) => {
      if (message.type === 'duplicates') for (const id of message.ids) options.onDuplicate?.(id);
      else if (message.type === 'finished') this.resolveFinished?.(message.result);
    });
    worker.on('error', (err) => this.threadDied(`the MongoDB writer thread failed: ${err.message}`));
    worker.on('exit', (code) => this.threadDied(`the MongoDB writer thread exited (status ${code})`));
  }

  produced(values: readonly Buffer[]): void {
    if (values.length === 0) return;
    this.producedPending.push(values);
    this.scheduleFlush();
  }

  consumed(messages: readonly ConsumedMessage[], count: number): void {
    if (count <= 0) return;
    this.consumedPending.push({ messages, count, atMs: performance.timeOrigin + performance.now() });
    this.scheduleFlush();
  }

  finish(): Promise<MongoResult> {
    this.finished ??= new Promise<MongoResult>((resolve) => {
      this.resolveFinished = (result) => {
        this.resolveFinished = undefined;
        resolve(result);
        void this.worker.terminate();
      };
      this.flush();
      if (this.threadFailure) this.threadDied(this.threadFailure);
      else this.post({ type: 'finish' });
    });
    return this.finished;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Not in the ack or fetch handler's stack: it returns first.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.producedPending.length) {
      const batches = this.producedPending;
      this.producedPending = [];
      const values = batches.length === 1 ? defined(batches[0]) : batches.flat();
      this.sent.producer += values.length;
      this.post({ type: 'produced', ...packValues(values.length, (i) => defined(values[i])) });
    }
    for (const { messages, count, atMs } of this.consumedPending) {
      this.sent.consumer += count;
      this.post({ type: 'consumed', atMs, ...packValues(count, (i) => defined(messages[i]).value) });
    }
    this.consumedPending = [];
  }

  private post(message: ToRecorder): void {
    if (this.threadFailure) return;
    const transfer = message.type === 'finish' ? [] : [message.data.buffer as ArrayBuffer, message.lengths.buffer as ArrayBuffer];
    this.worker.postMessage(message, transfer);
  }

  /** Never silently dropped: if the thread dies, everything handed to it is reported as not written. */
  private threadDied(reason: string): void {
    this.threadFailure ??= reason;
    if (!this.resolveFinished) return;
    const lost = (count: number): CollectionWrites => ({ written: 0, duplicates: 0, notWritten: count, notJson: 0, errors: [{ message: reason, count }] });
    this.resolveFinished({
      uri: redactMongoUri(this.options.uri),
      database: this.options.topic,
      ...(this.options.producer ? { producer: lost(this.sent.producer) } : {}),
      ...(this.options.consumer ? { consumer: lost(this.sent.consumer) } : {}),
    });
  }
}

/**
 * Starts the writer thread, which connects (and authenticates) before the run starts: a malformed URI, an
 * unreachable server or a wrong password is one line before anything is produced.
 */
export function openMongoRecorder(options: RecorderOptions): Promise<MessageRecorder> {
  const { onDuplicate: _onDuplicate, ...setup } = options;
  const worker = startWorker('mongoRecorder', { workerData: setup satisfies RecorderSetup });
  return new Promise<MessageRecorder>((resolve, reject) => {
    const onMessage = (message: FromRecorder): void => {
      if (message.type === 'ready') {
        cleanup();
        resolve(new MongoRecorder(worker, options));
      } else if (message.type === 'failed') {
        cleanup();
        void worker.terminate();
        reject(message.usage ? new UsageError(message.message) : new KtcError(message.message));
      }
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new KtcError(`the MongoDB writer thread failed to start: ${errorMessage(err)}`));
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new KtcError(`the MongoDB writer thread exited (status ${code}) before connecting`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** The recorder for one run's config: which collections it writes follows --producer / --consumer. */
export function openRunRecorder(config: RunConfig, onDuplicate?: (id: string) => void): Promise<MessageRecorder> {
  const mongo = defined(config.mongo);
  return openMongoRecorder({
    uri: mongo.uri,
    topic: config.topic,
    timeoutMs: config.connection.timeoutMs,
    producer: config.produce !== undefined,
    // The group id is client.py's prefix + "1"; the document names the prefix.
    ...(config.consume ? { consumer: { destination: mongo.origin, consumerGroup: config.consume.groupId.slice(0, -1) } } : {}),
    reportDuplicates: onDuplicate !== undefined,
    ...(onDuplicate ? { onDuplicate } : {}),
  });
}
