import type { Worker } from 'node:worker_threads';
import { KtcError } from '../errors.js';
import { SeqBitset } from '../stats/seqBitset.js';
import { shares, type LiveSendStats, type ProducerJob, type ProducerOutcome, type ProducerRunner } from './producerRunner.js';
import { emptySendWindow, type SendWindow } from './sendLoop.js';
import type { FromWorker, ToWorker } from './workerMessages.js';
import { startWorker } from '../shipped/workerScript.js';

/**
 * --workers N: N producers in worker threads, each with its share of -n and
 * --throughput, so several cores encode and send. Progress from all of them
 * is summed into `live`; their outcomes are merged by the caller.
 */
export class WorkerProducers implements ProducerRunner {
  private readonly counters = { sent: 0, acked: 0, failed: 0, inFlight: 0 };
  /** The workers' windows since the last takeWindow(), summed. */
  private window = emptySendWindow();
  private readonly workers: Worker[] = [];
  private readonly latest = new Map<number, { sent: number; acked: number; failed: number; inFlight: number }>();

  constructor(private readonly job: ProducerJob) {}

  async run(): Promise<ProducerOutcome[]> {
    const { produce } = this.job;
    const all = shares(produce.numMessages, produce.throughput, produce.workers);
    return Promise.all(
      all.map((share) =>
        this.runOne(
          share.index,
          startWorker('producer', {
            workerData: { job: this.job, share },
            // A small young generation keeps RSS low (10 M messages in well under 300 MB) and measured no slower.
            resourceLimits: { maxYoungGenerationSizeMb: 8 },
          }),
        ),
      ),
    );
  }

  private runOne(index: number, worker: Worker): Promise<ProducerOutcome> {
    this.workers.push(worker);
    return new Promise((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'progress') this.onProgress(index, message);
        else if (message.type === 'done') {
          resolve({ ...message.outcome, acknowledged: SeqBitset.fromTransfer(message.acknowledged) });
          // Its producer is closed; kafkajs may still hold timers that would keep the thread alive.
          void worker.terminate();
        } else {
          this.stop();
          reject(new KtcError(message.message));
        }
      });
      worker.on('error', (err) => {
        this.stop();
        reject(new KtcError(`producer worker ${index} failed: ${err.message}`));
      });
      worker.on('exit', (code) => {
        if (code !== 0) reject(new KtcError(`producer worker ${index} exited with status ${code}`));
      });
    });
  }

  get live(): LiveSendStats {
    return this.counters;
  }

  takeWindow(): SendWindow {
    const taken = Object.freeze(this.window);
    this.window = emptySendWindow();
    return taken;
  }

  private onProgress(index: number, p: LiveSendStats & { window: SendWindow }): void {
    this.latest.set(index, { sent: p.sent, acked: p.acked, failed: p.failed, inFlight: p.inFlight });
    const w = this.window;
    w.acked += p.window.acked;
    w.bytes += p.window.bytes;
    w.latencySumMicros += p.window.latencySumMicros;
    w.latencyMaxMicros = Math.max(w.latencyMaxMicros, p.window.latencyMaxMicros);
    let sent = 0;
    let acked = 0;
    let failed = 0;
    let inFlight = 0;
    for (const v of this.latest.values()) {
      sent += v.sent;
      acked += v.acked;
      failed += v.failed;
      inFlight += v.inFlight;
    }
    Object.assign(this.counters, { sent, acked, failed, inFlight });
  }

  stop(): void {
    for (const w of this.workers) w.postMessage({ type: 'stop' } satisfies ToWorker);
  }
}
