import { MongoClient } from 'mongodb';
import { KtcError, UsageError } from '../errors.js';
import { mongoStartError, uriError } from './mongoErrors.js';
import { redactMongoUri } from './mongoUri.js';

/** MongoDB's rules for database names (client.py gets its database name from the topic). */
export function databaseNameProblem(name: string): string | undefined {
  if (/[/\\. "$\0]/.test(name)) return 'MongoDB database names cannot hold . / \\ " $ or spaces';
  if (Buffer.byteLength(name) > 63) return 'MongoDB database names are at most 63 bytes';
  return undefined;
}

/**
 * A connected, authenticated client for the topic's database, or one line: a UsageError for a malformed URI,
 * a KtcError for an unreachable server, a refused login or no answer within `timeoutMs`.
 */
export async function connectMongo(uri: string, topic: string, timeoutMs: number, appName: string): Promise<MongoClient> {
  const problem = databaseNameProblem(topic);
  if (problem)
    throw new UsageError(`--mongo-uri writes to a database named after the topic, and "${topic}" cannot be one (${problem}): use another -t/--topic`);
  let client: MongoClient;
  try {
    client = new MongoClient(uri, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs, appName });
  } catch (err) {
    // The constructor only parses: whatever it throws is about the URI.
    throw uriError(err, uri);
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    // The driver bounds server selection; the race also bounds a server that accepts and then says nothing.
    await Promise.race([
      client.connect().then(() => client.db(topic).command({ ping: 1 })),
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new KtcError(
                `no answer from MongoDB at ${redactMongoUri(uri)} within ${timeoutMs / 1000} s: check --mongo-uri and that the server is up (--timeout sets the limit)`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
    return client;
  } catch (err) {
    await client.close(true).catch(() => undefined);
    throw mongoStartError(err, uri);
  } finally {
    clearTimeout(timer);
  }
}
