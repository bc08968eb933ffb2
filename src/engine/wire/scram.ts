import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { defined } from '../../defined.js';
import { KafkaProtocolError } from './protocolErrors.js';

/** What a broker answers a bad SCRAM exchange with; the client says the same of a server that fails its proof. */
const SASL_AUTHENTICATION_FAILED = 58;

/** RFC 5802 SCRAM client, as Kafka's SCRAM-SHA-256/512 mechanisms expect it. */
export class ScramClient {
  private readonly firstBare: string;
  private serverSignature: Buffer | undefined;

  constructor(
    private readonly hash: 'sha256' | 'sha512',
    username: string,
    private readonly password: string,
    /** Fixed only by tests (RFC 7677's example); random otherwise. */
    private readonly nonce = randomBytes(24).toString('base64url'),
  ) {
    const saslName = username.replace(/=/g, '=3D').replace(/,/g, '=2C');
    this.firstBare = `n=${saslName},r=${this.nonce}`;
  }

  firstMessage(): Buffer {
    return Buffer.from(`n,,${this.firstBare}`);
  }

  finalMessage(serverFirst: Buffer): Buffer {
    const text = serverFirst.toString();
    const attrs = new Map(text.split(',').map((kv) => [kv[0], kv.slice(2)] as [string, string]));
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (!nonce?.startsWith(this.nonce) || !salt || !(iterations > 0)) {
      throw new KafkaProtocolError(SASL_AUTHENTICATION_FAILED, 'the server sent an invalid SCRAM challenge', { retriable: false });
    }
    const size = this.hash === 'sha512' ? 64 : 32;
    const salted = pbkdf2Sync(this.password, Buffer.from(salt, 'base64'), iterations, size, this.hash);
    const clientKey = createHmac(this.hash, salted).update('Client Key').digest();
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.firstBare},${text},${withoutProof}`;
    const signature = createHmac(this.hash, storedKey).update(authMessage).digest();
    const proof = Buffer.alloc(size);
    for (let i = 0; i < size; i++) proof[i] = defined(clientKey[i]) ^ defined(signature[i]);
    const serverKey = createHmac(this.hash, salted).update('Server Key').digest();
    this.serverSignature = createHmac(this.hash, serverKey).update(authMessage).digest();
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }

  /** The server proves it knew the password too. */
  verifyServerFinal(serverFinal: Buffer): void {
    const text = serverFinal.toString();
    const v = /(?:^|,)v=([^,]+)/.exec(text)?.[1];
    const got = v ? Buffer.from(v, 'base64') : Buffer.alloc(0);
    if (!this.serverSignature || got.length !== this.serverSignature.length || !timingSafeEqual(got, this.serverSignature)) {
      throw new KafkaProtocolError(SASL_AUTHENTICATION_FAILED, 'the server signature did not verify', { retriable: false });
    }
  }
}
