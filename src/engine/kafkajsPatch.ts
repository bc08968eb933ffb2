/**
 * Two fixes to kafkajs 2.2.4, put in place before kafkajs loads.
 *
 * kafkajs 2.2.4 groups a send's messages per partition with
 * `Object.assign(result, { [p]: [...current, message] })`: quadratic in the
 * messages per partition, 15% of ktc's CPU at 100-byte records. kafkajs has
 * had no release since 2023, so instead of waiting for a fix ktc puts a
 * linear version with the same contract into the module cache before kafkajs
 * loads. Only for the exact version whose source was checked; any other
 * version keeps its own.
 */
import { createRequire } from 'node:module';

type Message = { partition?: number };
type Partitioner = (args: { topic: string; partitionMetadata: unknown[]; message: Message }) => number;

export function groupMessagesPerPartition({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: {
  topic: string;
  partitionMetadata: unknown[];
  messages: Message[];
  partitioner: Partitioner;
}): Record<number, Message[]> {
  const result: Record<number, Message[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
}

/** The fields of kafkajs' RequestQueue that its scheduleCheckPendingRequests reads and writes. */
interface RequestQueueState {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
}

/** kafkajs' own interval for re-checking a throttled queue. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/**
 * kafkajs 2.2.4's RequestQueue.scheduleCheckPendingRequests, with the
 * timeout never below 1 ms. kafkajs passes `throttledUntil - now`, negative
 * when nothing is throttled; Node up to 22 silently treats that as 1 ms, Node
 * 24 does too but prints a TimeoutNegativeWarning to stderr on every
 * connection, which breaks ktc's one-line error output.
 */
export function scheduleCheckPendingRequests(this: RequestQueueState): void {
  if (this.throttleCheckTimeoutId) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  const wait = this.pending.length > 0 && untilUnthrottled <= 0 ? CHECK_PENDING_REQUESTS_INTERVAL_MS : Math.max(1, untilUnthrottled);
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, wait);
}

const require = createRequire(import.meta.url);
/** The kafkajs whose source was checked; bin/build-exe.mjs applies the same two fixes to it in the executable. */
export const PATCHED_VERSION = '2.2.4';

function install(): void {
  try {
    const version = (require('kafkajs/package.json') as { version: string }).version;
    if (version !== PATCHED_VERSION) return;
    const file = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
    if (require.cache[file]) return; // kafkajs already loaded: leave it alone
    const module = new (require('node:module') as { Module: new (id: string) => NodeJS.Module }).Module(file);
    module.filename = file;
    module.loaded = true;
    module.exports = groupMessagesPerPartition;
    require.cache[file] = module;
    const queue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: { scheduleCheckPendingRequests: unknown } };
    queue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  } catch {
    // Layout differs from the one checked: run kafkajs unpatched.
  }
}

install();
