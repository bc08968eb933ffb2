import { ExitCode, KtcError } from '../errors.js';
import { compareCollections, type CollectionComparison } from './compareCollections.js';
import { DUPLICATES_FIELD } from './driverCollection.js';
import { connectMongo } from './mongoConnection.js';
import { mongoStartError } from './mongoErrors.js';
import { redactMongoUri } from './mongoUri.js';

export interface MongoVerification extends CollectionComparison {
  uri: string;
  database: string;
  exitCode: number;
}

/**
 * `ktc verify --mongo-uri URI -t TOPIC`: compares the `producer` and `consumer` collections that --mongo-uri
 * runs (ktc's or client.py's, on any number of units) filled. Exit 3 when anything produced was not consumed.
 */
export async function verifyMongo(uri: string, topic: string, timeoutMs: number): Promise<MongoVerification> {
  const client = await connectMongo(uri, topic, timeoutMs, 'ktc-verify');
  try {
    const db = client.db(topic);
    let comparison: CollectionComparison;
    try {
      comparison = await compareCollections({
        producerIds: async function* () {
          for await (const doc of db.collection('producer').find({}, { projection: { _id: 1 } })) yield doc._id;
        },
        consumerDocs: () => db.collection<{ _id: unknown; duplicates?: unknown }>('consumer').find({}, { projection: { _id: 1, [DUPLICATES_FIELD]: 1 } }),
      });
    } catch (err) {
      throw mongoStartError(err, uri);
    }
    const where = redactMongoUri(uri);
    if (comparison.produced === 0) {
      throw new KtcError(
        `nothing to verify: database "${topic}" at ${where} has no documents in "producer" (${comparison.consumed} in "consumer"): pass the topic the producer used with -t/--topic`,
      );
    }
    return { uri: where, database: topic, ...comparison, exitCode: comparison.missing > 0 ? ExitCode.verificationFailed : ExitCode.ok };
  } finally {
    await client.close(true).catch(() => undefined);
  }
}
