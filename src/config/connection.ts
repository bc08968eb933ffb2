/** How to reach and authenticate to a cluster: the part of the config the engine needs. */
export const SECURITY_PROTOCOLS = ['SASL_PLAINTEXT', 'SASL_SSL', 'SSL', 'PLAINTEXT'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export const SASL_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface SaslCredentials {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

export interface TlsSettings {
  /** PEM contents, already read from disk so file errors surface while validating. */
  ca?: string;
  cert?: string;
  key?: string;
  verifyHostname: boolean;
}

export interface ConnectionConfig {
  brokers: string[];
  securityProtocol: SecurityProtocol;
  sasl?: SaslCredentials;
  tls?: TlsSettings;
  clientId: string;
  /** Upper bound for connecting and for each request before ktc gives up with an error. */
  timeoutMs: number;
}

export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol.startsWith('SASL');
}

export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol.endsWith('SSL');
}
