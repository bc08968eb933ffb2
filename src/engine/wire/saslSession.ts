import type { SaslCredentials } from '../../config/connection.js';
import { API } from './apiVersions.js';
import { Writer, type Reader } from './codec.js';
import { KafkaProtocolError } from './protocolErrors.js';
import { ScramClient } from './scram.js';

/** Sends one SASL request on the connection, past any queue or gate, and resolves with its response body. */
export type SaslSend = (apiKey: number, version: number, body: Buffer) => Promise<Reader>;

export interface SaslVersions {
  handshake: number;
  authenticate: number;
}

/** ktc implements SaslHandshake v1 (tokens wrapped in SaslAuthenticate) and the non-flexible SaslAuthenticate versions. */
export const SASL_HANDSHAKE_RANGE = { min: 1, max: 1 } as const;
export const SASL_AUTHENTICATE_RANGE = { min: 0, max: 1 } as const;

/** Whatever the code, a refused SASL exchange is final: the same credentials fail again. */
const refused = (error: number, detail: string, api?: 'SaslAuthenticate'): KafkaProtocolError =>
  new KafkaProtocolError(error, detail, { retriable: false, ...(api ? { api } : {}) });

/**
 * One SASL exchange (SaslHandshake, then SaslAuthenticate rounds): the first
 * authentication of a connection and each re-authentication (KIP-368) run it.
 * Resolves with the session lifetime the broker granted (0: no limit, or a
 * SaslAuthenticate v0 broker that cannot re-authenticate).
 */
export async function saslExchange(send: SaslSend, versions: SaslVersions, sasl: SaslCredentials): Promise<number> {
  const handshake = await send(API.saslHandshake, versions.handshake, new Writer(32).string(sasl.mechanism).result());
  const error = handshake.int16();
  if (error !== 0) {
    const offered = handshake.array(() => handshake.string()).join(', ');
    throw refused(error, `the broker offers ${offered || 'no SASL mechanism'}, not ${sasl.mechanism}`);
  }
  let lifetimeMs = 0;
  const authenticate = async (bytes: Buffer): Promise<Buffer> => {
    const r = await send(API.saslAuthenticate, versions.authenticate, new Writer(bytes.length + 8).bytes(bytes).result());
    const code = r.int16();
    const message = r.string();
    const authBytes = r.bytes() ?? Buffer.alloc(0);
    if (code !== 0) throw refused(code, message ?? 'authentication failed', 'SaslAuthenticate');
    if (versions.authenticate >= 1) lifetimeMs = Number(r.int64());
    return authBytes;
  };
  if (sasl.mechanism === 'PLAIN') {
    await authenticate(Buffer.from(`\0${sasl.username}\0${sasl.password}`));
    return lifetimeMs;
  }
  const scram = new ScramClient(sasl.mechanism === 'SCRAM-SHA-512' ? 'sha512' : 'sha256', sasl.username, sasl.password);
  const serverFirst = await authenticate(scram.firstMessage());
  const serverFinal = await authenticate(scram.finalMessage(serverFirst));
  scram.verifyServerFinal(serverFinal);
  return lifetimeMs;
}

/**
 * When to re-authenticate: like the Java client, at a random point between
 * 85 % and 95 % of the session lifetime (network latency and clock drift,
 * and no re-authentication storm when many connections started together).
 */
export function reauthDelayMs(lifetimeMs: number, random: () => number = Math.random): number {
  return Math.floor(lifetimeMs * (0.85 + 0.1 * random()));
}
