import type { LiveSendStats, ProducerOutcome } from './producerRunner.js';

/** The messages between the main thread and a producer worker. */
export type ToWorker = { type: 'stop' };

export type FromWorker =
  | ({ type: 'progress' } & LiveSendStats)
  | { type: 'done'; outcome: Omit<ProducerOutcome, 'acknowledged'>; acknowledged: { words: Uint32Array; size: number } }
  | { type: 'fatal'; message: string };
