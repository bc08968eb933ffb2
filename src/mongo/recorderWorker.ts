import { parentPort, workerData } from 'node:worker_threads';
import type { MongoClient } from 'mongodb';
import { errorMessage, UsageError } from '../errors.js';
import { consumerDocument, idText, producerDocument } from './documents.js';
import { DEFAULT_WRITER_LIMITS, DocumentWriter } from './documentWriter.js';
import { driverCollection } from './driverCollection.js';
import { connectMongo } from './mongoConnection.js';
import { describeMongoError } from './mongoErrors.js';
import type { MongoResult } from './mongoResult.js';
import { redactMongoUri } from './mongoUri.js';
import { unpackValues, type FromRecorder, type RecorderSetup, type ToRecorder } from './recorderMessages.js';
import { present } from '../defined.js';

/**
 * The MongoDB writer thread of a --mongo-uri run: parsing messages, building documents, BSON and the driver's
 * I/O all happen here, on another core than the send loop and the consumer.
 */
const setup = workerData as RecorderSetup;
const port = present(parentPort);
const post = (message: FromRecorder): void => port.postMessage(message);

function writers(client: MongoClient): { producer?: DocumentWriter<Buffer | null>; consumer?: DocumentWriter<Buffer | null> } {
  const db = client.db(setup.topic);
  const options = { ...DEFAULT_WRITER_LIMITS, ...setup.limits, describeError: (err: unknown) => describeMongoError(err, setup.uri) };
  const stamp = setup.consumer;
  let duplicates: string[] = [];
  const onDuplicate = (id: unknown): void => {
    if (duplicates.length === 0) {
      setImmediate(() => {
        post({ type: 'duplicates', ids: duplicates });
        duplicates = [];
      });
    }
    duplicates.push(idText(id));
  };
  return {
    ...(setup.producer
      ? { producer: new DocumentWriter(driverCollection(db.collection('producer')), (value: Buffer | null) => producerDocument(value), options) }
      : {}),
    ...(stamp
      ? {
          consumer: new DocumentWriter(
            driverCollection(db.collection('consumer')),
            (value: Buffer | null, atMs: number) => consumerDocument(value, atMs, stamp),
            {
              ...options,
              ...(setup.reportDuplicates ? { onDuplicate } : {}),
            },
          ),
        }
      : {}),
  };
}

async function main(): Promise<void> {
  let client: MongoClient;
  try {
    client = await connectMongo(setup.uri, setup.topic, setup.timeoutMs, 'ktc');
  } catch (err) {
    post({ type: 'failed', message: errorMessage(err), usage: err instanceof UsageError });
    return;
  }
  const { producer, consumer } = writers(client);
  port.on('message', (message: ToRecorder) => {
    if (message.type === 'produced') {
      const values = unpackValues(message);
      producer?.add(values);
    } else if (message.type === 'consumed') {
      const values = unpackValues(message);
      consumer?.add(values, values.length, message.atMs);
    } else {
      void finish(client, producer, consumer);
    }
  });
  post({ type: 'ready' });
}

async function finish(client: MongoClient, producer?: DocumentWriter<Buffer | null>, consumer?: DocumentWriter<Buffer | null>): Promise<void> {
  const [p, c] = await Promise.all([producer?.finish(setup.timeoutMs), consumer?.finish(setup.timeoutMs)]);
  await client.close(true).catch(() => undefined);
  const result: MongoResult = { uri: redactMongoUri(setup.uri), database: setup.topic, ...(p ? { producer: p } : {}), ...(c ? { consumer: c } : {}) };
  // Duplicate ids still waiting for their setImmediate go first.
  setImmediate(() => post({ type: 'finished', result }));
}

void main();
