import { MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { ExitCode, KtcError, UsageError, errorMessage } from '../errors.js';
import { mongoUser, redactMongoUri } from './mongoUri.js';
import { defined } from '../defined.js';

/** MongoDB's "Authentication failed." server error code. */
const AUTHENTICATION_FAILED = 18;
const UNAUTHORIZED = 13;

function firstLine(text: string): string {
  const line = defined(text.split('\n')[0]).trim();
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/** One line for a write or connection error, without the URI's password (the driver never prints it). */
export function describeMongoError(err: unknown, uri: string): string {
  const where = redactMongoUri(uri);
  if (err instanceof MongoServerError && err.code === AUTHENTICATION_FAILED) {
    const user = mongoUser(uri);
    return `authentication failed${user ? ` as user "${user}"` : ''} at MongoDB ${where}: check the user and password in --mongo-uri (and authSource)`;
  }
  if (err instanceof MongoServerError && err.code === UNAUTHORIZED) {
    return `not authorized on MongoDB ${where}: ${firstLine(err.message)} (the --mongo-uri user needs readWrite on the topic's database)`;
  }
  if (err instanceof MongoServerSelectionError || err instanceof MongoNetworkError) {
    return `cannot reach MongoDB at ${where}: ${firstLine(err.message)}; check --mongo-uri and that the server is up`;
  }
  return `MongoDB at ${where}: ${firstLine(errorMessage(err))}`;
}

/** The error a user gets when --mongo-uri fails before anything is produced. */
export function mongoStartError(err: unknown, uri: string): KtcError {
  if (err instanceof KtcError) return err;
  return new KtcError(describeMongoError(err, uri), ExitCode.failure);
}

/**
 * The driver's constructor only parses: whatever it throws is about the URI (its parser's errors are not all
 * MongoError subclasses: mongodb-connection-string-url has its own MongoParseError).
 */
export function uriError(err: unknown, uri: string): UsageError {
  return new UsageError(
    `--mongo-uri ${redactMongoUri(uri)} is not a MongoDB connection string: ${firstLine(errorMessage(err))} (e.g. mongodb://127.0.0.1:27017/)`,
  );
}
