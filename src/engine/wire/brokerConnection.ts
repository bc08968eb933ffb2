import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { ConnectionConfig } from '../../config/connection.js';
import { Reader, Writer } from './codec.js';
import { connectionError, protocolError } from './protocolErrors.js';
import { ScramClient } from './scram.js';

export const API = { produce: 0, fetch: 1, listOffsets: 2, metadata: 3, saslHandshake: 17, initProducerId: 22, saslAuthenticate: 36 } as const;

interface Pending {
  resolve: (body: Reader) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One TCP (or TLS) connection to one broker: frames requests, matches
 * responses by correlation id, and authenticates with SASL when configured.
 */
export class BrokerConnection {
  private nextCorrelation = 1;
  private readonly pending = new Map<number, Pending>();
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failure: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly config: ConnectionConfig,
    readonly address: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => this.fail(connectionError(`${address}: ${err.message}`, err.code)));
    socket.on('close', () => this.fail(connectionError(`${address}: connection closed`)));
  }

  static async open(host: string, port: number, config: ConnectionConfig): Promise<BrokerConnection> {
    const address = `${host}:${port}`;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const timer = setTimeout(() => {
        s.destroy();
        reject(connectionError(`${address}: connection timeout`, 'ETIMEDOUT'));
      }, Math.min(config.timeoutMs, 10_000));
      const done = (err?: Error) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(s);
      };
      let s: Socket;
      if (config.tls) {
        const tls = config.tls;
        const options: ConnectionOptions = {
          host,
          port,
          rejectUnauthorized: true,
          ...(isIP(host) ? {} : { servername: host }),
          ...(tls.ca ? { ca: [tls.ca] } : {}),
          ...(tls.cert ? { cert: tls.cert } : {}),
          ...(tls.key ? { key: tls.key } : {}),
          ...(tls.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
        };
        s = tlsConnect(options, () => done());
      } else {
        s = netConnect({ host, port }, () => done());
      }
      s.once('error', (err: NodeJS.ErrnoException) => done(Object.assign(connectionError(`${address}: ${err.message}`, err.code), { cause: err })));
    });
    const connection = new BrokerConnection(socket, config, address);
    try {
      if (config.sasl) await connection.authenticate();
    } catch (err) {
      connection.close();
      throw err;
    }
    return connection;
  }

  get alive(): boolean {
    return this.failure === undefined;
  }

  /** Sends one request; resolves with the response body (after the correlation id). */
  request(apiKey: number, version: number, body: Buffer, expectResponse = true): Promise<Reader | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    const correlation = this.nextCorrelation++;
    const header = new Writer(64).int16(apiKey).int16(version).int32(correlation).string(this.config.clientId).result();
    const size = Buffer.allocUnsafe(4);
    size.writeInt32BE(header.length + body.length);
    this.socket.cork();
    this.socket.write(size);
    this.socket.write(header);
    this.socket.write(body);
    this.socket.uncork();
    // acks=0 has no response to wait for: wait for the socket to drain instead, so the sender cannot outrun it.
    if (!expectResponse) return this.socket.writableNeedDrain ? this.drained() : Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlation);
        reject(protocolError(7, `no response from ${this.address} within ${this.config.timeoutMs} ms`));
      }, this.config.timeoutMs);
      this.pending.set(correlation, { resolve, reject, timer });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private drained(): Promise<undefined> {
    return new Promise((resolve, reject) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        if (this.failure) reject(this.failure);
        else resolve(undefined);
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** Size of the frame being received, once its 4-byte length has arrived. */
  private frameSize = -1;

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4) {
      if (this.frameSize < 0) {
        const head = this.chunks[0]!.length >= 4 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
        this.frameSize = head.readInt32BE(0);
      }
      const size = this.frameSize;
      // Joining chunks only once the whole frame is here keeps a 16 MB fetch response linear, not quadratic.
      if (this.buffered < 4 + size) return;
      this.frameSize = -1;
      const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      const frame = data.subarray(4, 4 + size);
      const rest = data.subarray(4 + size);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      const reader = new Reader(frame);
      const correlation = reader.int32();
      const pending = this.pending.get(correlation);
      if (!pending) continue;
      this.pending.delete(correlation);
      clearTimeout(pending.timer);
      pending.resolve(reader);
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  private async saslAuthenticate(bytes: Buffer): Promise<Buffer> {
    const reply = (await this.request(API.saslAuthenticate, 1, new Writer(bytes.length + 8).bytes(bytes).result()))!;
    const error = reply.int16();
    const message = reply.string();
    const authBytes = reply.bytes() ?? Buffer.alloc(0);
    if (error !== 0) throw Object.assign(protocolError(error, message ?? 'authentication failed'), { retriable: false });
    return authBytes;
  }

  private async authenticate(): Promise<void> {
    const sasl = this.config.sasl!;
    const handshake = (await this.request(API.saslHandshake, 1, new Writer(32).string(sasl.mechanism).result()))!;
    const error = handshake.int16();
    if (error !== 0) {
      const offered = handshake.array(() => handshake.string()).join(', ');
      throw Object.assign(protocolError(error, `the broker offers ${offered}, not ${sasl.mechanism}`), { retriable: false });
    }
    if (sasl.mechanism === 'PLAIN') {
      await this.saslAuthenticate(Buffer.from(`\0${sasl.username}\0${sasl.password}`));
      return;
    }
    const scram = new ScramClient(sasl.mechanism === 'SCRAM-SHA-512' ? 'sha512' : 'sha256', sasl.username, sasl.password);
    const serverFirst = await this.saslAuthenticate(scram.firstMessage());
    const serverFinal = await this.saslAuthenticate(scram.finalMessage(serverFirst));
    scram.verifyServerFinal(serverFinal);
  }
}
