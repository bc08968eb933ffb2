import type { ConsumedMessage } from '../engine/engine.js';
import type { MongoResult } from '../mongo/mongoResult.js';

/**
 * Somewhere a run records every message it got acknowledged and every one it consumed, beside Kafka
 * (--mongo-uri: client.py's `producer` and `consumer` collections). Both calls are made on the send loop's
 * and the consumer's paths, so they must only take note and return: the recording happens later, elsewhere.
 */
export interface MessageRecorder {
  /** Values the broker acknowledged (the array is not changed afterwards). */
  produced(values: readonly Buffer[]): void;
  /** The first `count` messages of a fetched batch, just processed by the consumer. */
  consumed(messages: readonly ConsumedMessage[], count: number): void;
  /** Writes what is still waiting (bounded by --timeout), closes, and reports; safe to call twice. */
  finish(): Promise<MongoResult>;
}
