/**
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

const require = createRequire(import.meta.url);
const PATCHED_VERSION = '2.2.4';

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
  } catch {
    // Layout differs from the one checked: run kafkajs unpatched.
  }
}

install();
