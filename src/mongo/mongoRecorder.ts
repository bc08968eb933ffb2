import { MongoClient } from 'mongodb';
import type { RunConfig } from '../config/runConfig.js';
import type { ConsumedMessage } from '../engine/engine.js';
import { UsageError } from '../errors.js';
import type { MessageRecorder } from '../run/messageRecorder.js';
import { consumerDocument, producerDocument, type ConsumerStamp } from './documents.js';
import { DocumentWriter, DEFAULT_WRITER_LIMITS } from './documentWriter.js';
import { driverCollection } from './driverCollection.js';
import { describeMongoError, isUriError, mongoStartError, uriError } from './mongoErrors.js';
import type { MongoResult } from './mongoResult.js';
import { redactMongoUri } from './mongoUri.js';

export interface MongoRecorderOptions {
  uri: string;
  /** client.py names the database after the topic. */
  topic: string;
  /** --timeout: connecting, and writing what is left once the run ends. */
  timeoutMs: number;
  /** Write the `producer` collection. */
  producer: boolean;
  /** Write the `consumer` collection, stamping documents with these. */
  consumer?: ConsumerStamp;
  /** A consumed message whose document was already there (client.py logs it and goes on). */
  onDuplicate?: (id: unknown) => void;
  limits?: Partial<typeof DEFAULT_WRITER_LIMITS>;
}

/** MongoDB's rules for database names (and client.py gets its database name from the topic). */
export function databaseNameProblem(name: string): string | undefined {
  if (/[/\\. "$\0]/.test(name)) return 'MongoDB database names cannot hold . / \\ " $ or spaces';
  if (Buffer.byteLength(name) > 63) return 'MongoDB database names are at most 63 bytes';
  return undefined;
}

/** Parses the URI: a malformed one is a usage error (exit 2) before anything else happens. */
function clientFor(uri: string, timeoutMs: number): MongoClient {
  try {
    return new MongoClient(uri, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs, appName: 'ktc' });
  } catch (err) {
    throw isUriError(err) ? uriError(err, uri) : mongoStartError(err, uri);
  }
}

/**
 * --mongo-uri: connects (and authenticates) before the run starts, so an unreachable server or a wrong password
 * is one line before anything is produced, then writes client.py's documents while the run goes on.
 */
export async function openMongoRecorder(options: MongoRecorderOptions): Promise<MessageRecorder> {
  const { uri, topic, timeoutMs } = options;
  const problem = databaseNameProblem(topic);
  if (problem) throw new UsageError(`--mongo-uri writes to a database named after the topic, and "${topic}" cannot be one (${problem}): use another -t/--topic`);
  const client = clientFor(uri, timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  try {
    // The driver bounds server selection by serverSelectionTimeoutMS; the race also bounds a server that
    // accepts the connection and then says nothing.
    await Promise.race([
      client.connect().then(() => client.db(topic).command({ ping: 1 })),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s (--timeout)`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    await client.close(true).catch(() => undefined);
    throw isUriError(err) ? uriError(err, uri) : mongoStartError(err, uri);
  } finally {
    clearTimeout(timer);
  }
  return new MongoRecorder(client, options);
}

class MongoRecorder implements MessageRecorder {
  private readonly producerWriter: DocumentWriter<Buffer> | undefined;
  private readonly consumerWriter: DocumentWriter<ConsumedMessage> | undefined;
  private finished: Promise<MongoResult> | undefined;

  constructor(
    private readonly client: MongoClient,
    private readonly options: MongoRecorderOptions,
  ) {
    const db = client.db(options.topic);
    const writerOptions = {
      ...DEFAULT_WRITER_LIMITS,
      ...options.limits,
      describeError: (err: unknown) => describeMongoError(err, options.uri),
    };
    if (options.producer) {
      this.producerWriter = new DocumentWriter(driverCollection(db.collection('producer')), (value: Buffer) => producerDocument(value), writerOptions);
    }
    const stamp = options.consumer;
    if (stamp) {
      this.consumerWriter = new DocumentWriter(
        driverCollection(db.collection('consumer')),
        (message: ConsumedMessage, atMs: number) => consumerDocument(message.value, atMs, stamp),
        { ...writerOptions, ...(options.onDuplicate ? { onDuplicate: options.onDuplicate } : {}) },
      );
    }
  }

  produced(values: readonly Buffer[]): void {
    this.producerWriter?.add(values);
  }

  consumed(messages: readonly ConsumedMessage[], count: number): void {
    this.consumerWriter?.add(messages, count);
  }

  finish(): Promise<MongoResult> {
    this.finished ??= this.close();
    return this.finished;
  }

  private async close(): Promise<MongoResult> {
    const grace = this.options.timeoutMs;
    const [producer, consumer] = await Promise.all([this.producerWriter?.finish(grace), this.consumerWriter?.finish(grace)]);
    await this.client.close(true).catch(() => undefined);
    return {
      uri: redactMongoUri(this.options.uri),
      database: this.options.topic,
      ...(producer ? { producer } : {}),
      ...(consumer ? { consumer } : {}),
    };
  }
}

/** The recorder for one run's config: which collections it writes follows --producer / --consumer. */
export function openRunRecorder(config: RunConfig, onDuplicate?: (id: unknown) => void): Promise<MessageRecorder> {
  const mongo = config.mongo!;
  return openMongoRecorder({
    uri: mongo.uri,
    topic: config.topic,
    timeoutMs: config.connection.timeoutMs,
    producer: config.produce !== undefined,
    // The group id is client.py's prefix + "1"; the document names the prefix.
    ...(config.consume ? { consumer: { destination: mongo.origin, consumerGroup: config.consume.groupId.slice(0, -1) } } : {}),
    ...(onDuplicate ? { onDuplicate } : {}),
  });
}
