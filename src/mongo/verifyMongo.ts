import { MongoClient } from 'mongodb';
import { ExitCode, KtcError, UsageError } from '../errors.js';
import { compareCollections, type CollectionComparison } from './compareCollections.js';
import { DUPLICATES_FIELD } from './driverCollection.js';
import { isUriError, mongoStartError, uriError } from './mongoErrors.js';
import { databaseNameProblem } from './mongoRecorder.js';
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
  const problem = databaseNameProblem(topic);
  if (problem) throw new UsageError(`"${topic}" cannot name a MongoDB database (${problem}): pass the topic the runs used with -t/--topic`);
  let client: MongoClient;
  try {
    client = new MongoClient(uri, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs, appName: 'ktc-verify' });
  } catch (err) {
    throw isUriError(err) ? uriError(err, uri) : mongoStartError(err, uri);
  }
  try {
    const db = client.db(topic);
    let comparison: CollectionComparison;
    try {
      await client.connect();
      comparison = await compareCollections({
        producerIds: async function* () {
          for await (const doc of db.collection('producer').find({}, { projection: { _id: 1 } })) yield doc._id;
        },
        consumerDocs: () => db.collection<{ _id: unknown; duplicates?: unknown }>('consumer').find({}, { projection: { _id: 1, [DUPLICATES_FIELD]: 1 } }),
      });
    } catch (err) {
      throw isUriError(err) ? uriError(err, uri) : mongoStartError(err, uri);
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
