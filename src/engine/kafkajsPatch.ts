/**
 * Three fixes to kafkajs 2.2.4, put in place before kafkajs loads.
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

/** The fields of kafkajs' ConsumerGroup that finding its coordinator again reads and writes. */
export interface ConsumerGroupState {
  readonly groupId: string;
  coordinator: unknown;
  readonly cluster: { findGroupCoordinator(args: { groupId: string }): Promise<unknown> };
  offsetManager: { coordinator: unknown } | null;
}

export type GroupHeartbeat = (this: ConsumerGroupState, args: { interval: number }) => Promise<void>;

/** kafkajs' errors for a coordinator that is gone or silent: the Java consumer marks its coordinator unknown on both. */
const COORDINATOR_LOST = new Set(['KafkaJSConnectionError', 'KafkaJSRequestTimeoutError']);

/**
 * kafkajs 2.2.4's ConsumerGroup.heartbeat, looking the coordinator up again when it cannot reach it. kafkajs keeps
 * the broker it found at its last join: when that broker dies it heartbeats (and commits to) the dead address until
 * its retries run out, about 40 s with ktc's, then restarts and joins as a new member, which the new coordinator
 * holds back until the old member's session expires. The Java consumer marks the coordinator unknown on a
 * disconnect and finds the new one, which has loaded the group, member and generation included, from
 * __consumer_offsets, so the next heartbeat goes on where it stopped. The error still goes to kafkajs' retry.
 */
export function findingCoordinatorAgain(heartbeat: GroupHeartbeat): GroupHeartbeat {
  return async function heartbeatFindingCoordinator(this: ConsumerGroupState, args: { interval: number }): Promise<void> {
    try {
      await heartbeat.call(this, args);
    } catch (err) {
      const name = (err as { name?: unknown } | null)?.name;
      if (typeof name === 'string' && COORDINATOR_LOST.has(name)) {
        // Until the dead broker is fenced, the lookup may still name it: then nothing changes and kafkajs retries.
        const found = await this.cluster.findGroupCoordinator({ groupId: this.groupId }).catch(() => undefined);
        if (found !== undefined) {
          this.coordinator = found;
          if (this.offsetManager) this.offsetManager.coordinator = found;
        }
      }
      throw err;
    }
  };
}

const require = createRequire(import.meta.url);
/** The kafkajs whose source was checked; bin/build-exe.mjs applies the same three fixes to it in the executable. */
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
    const group = require('kafkajs/src/consumer/consumerGroup.js') as { prototype: { heartbeat: GroupHeartbeat } };
    group.prototype.heartbeat = findingCoordinatorAgain(group.prototype.heartbeat);
  } catch {
    // Layout differs from the one checked: run kafkajs unpatched.
  }
}

install();
