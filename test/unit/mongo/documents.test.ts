import { describe, expect, it } from 'vitest';
import { consumerDocument, idText, parseMessage, producerDocument } from '../../../src/mongo/documents.js';
import { mongoUser, redactMongoUri } from '../../../src/mongo/mongoUri.js';
import { packValues, unpackValues } from '../../../src/mongo/recorderMessages.js';
import { PayloadEncoder } from '../../../src/run/payload.js';
import { defined } from '../../../src/defined.js';
import { buffersOf } from '../../../src/engine/bufferValueList.js';

const message = (seq: number, recordSize?: number): Buffer =>
  defined(
    buffersOf(
      new PayloadEncoder({
        format: 'json',
        origin: 'unit-a (10.0.0.1)',
        producerId: Buffer.from('6b746301aabbccdd', 'hex'),
        ...(recordSize ? { recordSize } : {}),
      }).encodeBatch(seq, 1, 1_795_000_000_123_456),
    )[0],
  );

describe("client.py's documents", () => {
  it('producer: the object that went to Kafka, _id included, keys in its order', () => {
    const doc = producerDocument(message(7));
    expect(doc).toEqual({ timestamp: 1795000000.123456, _id: '6b746301aabbccdd0000000000000007', origin: 'unit-a (10.0.0.1)', content: 'Message #7' });
    expect(Object.keys(defined(doc))).toEqual(['timestamp', '_id', 'origin', 'content']);
  });

  it('producer: a value padded by --record-size is the same object', () => {
    expect(producerDocument(message(7, 400))).toEqual(producerDocument(message(7)));
  });

  it('consumer: timestamp replaced in place by the consumption time, then destination and consumer_group', () => {
    const doc = consumerDocument(message(3), 1_795_000_005_250.5, { destination: 'unit-b (10.0.0.2)', consumerGroup: 'relation-9-' });
    expect(doc).toEqual({
      timestamp: 1795000005.2505,
      _id: '6b746301aabbccdd0000000000000003',
      origin: 'unit-a (10.0.0.1)',
      content: 'Message #3',
      destination: 'unit-b (10.0.0.2)',
      consumer_group: 'relation-9-',
    });
    expect(Object.keys(defined(doc))).toEqual(['timestamp', '_id', 'origin', 'content', 'destination', 'consumer_group']);
  });

  it.each([['not json'], ['[1,2]'], ['"a string"'], ['42'], ['null']])('%s makes no document', (text) => {
    expect(parseMessage(Buffer.from(text))).toBeUndefined();
  });

  it('a null value makes no document', () => {
    expect(consumerDocument(null, 0, { destination: 'd', consumerGroup: 'g' })).toBeUndefined();
  });

  it('prints ids as client.py logs them', () => {
    expect(idText('abc')).toBe('abc');
    expect(idText(12)).toBe('12');
  });
});

describe('--mongo-uri in messages', () => {
  it.each([
    ['mongodb://127.0.0.1:27017/', 'mongodb://127.0.0.1:27017/'],
    ['mongodb://user:s3cret@h:27017/db?authSource=admin', 'mongodb://user:***@h:27017/db?authSource=admin'],
    ['mongodb+srv://user:s3cret@cluster.example.com', 'mongodb+srv://user:***@cluster.example.com'],
    // Unencoded '@' in the password: everything up to the last '@' of the host part is credentials.
    ['mongodb://user:p@ss@h/', 'mongodb://user:***@h/'],
    ['mongodb://user@h/', 'mongodb://user@h/'],
    ['user:pw@host', '<a URI with credentials>'],
  ])('%s is shown as %s', (uri, shown) => {
    expect(redactMongoUri(uri)).toBe(shown);
  });

  it('names the user for an authentication error', () => {
    expect(mongoUser('mongodb://relation%2D8:pw@h/')).toBe('relation-8');
    expect(mongoUser('mongodb://h/')).toBeUndefined();
  });
});

describe('values on their way to the writer thread', () => {
  it('pack into one transferable block and come back byte for byte, nulls included', () => {
    const values = [Buffer.from('{"a": 1}'), null, Buffer.alloc(0), Buffer.from('ünïcode')];
    const packed = packValues(values.length, (i) => defined(values[i]));
    // Its own memory, never a slice of Node's shared pool (transferring that would detach the pool).
    expect(packed.data.byteOffset).toBe(0);
    expect(packed.data.buffer.byteLength).toBe(packed.data.byteLength);
    expect(Array.from(packed.lengths)).toEqual([8, -1, 0, 9]);
    expect(unpackValues(packed)).toEqual(values);
  });
});
