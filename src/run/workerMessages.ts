import type { LiveSendStats, ProducerOutcome } from './producerRunner.js';
import type { SendWindow } from './sendLoop.js';

/** The messages between the main thread and a producer worker. */
export type ToWorker = { type: 'stop' };

export type FromWorker =
  | ({ type: 'progress'; window: SendWindow } & LiveSendStats)
  | { type: 'done'; outcome: Omit<ProducerOutcome, 'acknowledged'>; acknowledged: { words: Uint32Array; size: number } }
  | { type: 'fatal'; message: string };
