import { randomBytes } from 'node:crypto';

/**
 * The users a local cluster is born with, shaped like the ones the
 * data-integrator charm gets from Charmed Kafka: relation users with
 * producer and/or consumer roles on one topic, plus the admin super user.
 */
export const ROLES = ['client', 'producer', 'consumer', 'admin', 'mtls'] as const;
export type Role = (typeof ROLES)[number];

export const USER_NAMES: Record<Role, string> = {
  admin: 'admin',
  producer: 'relation-1',
  consumer: 'relation-2',
  client: 'relation-3', // producer+consumer, like the tutorial's data-integrator
  mtls: 'relation-4', // the CN of the client certificate
};

export const SASL_ROLES = ['admin', 'producer', 'consumer', 'client'] as const satisfies readonly Role[];
export type SaslRole = (typeof SASL_ROLES)[number];

export type Passwords = Record<SaslRole, string>;

export type AclOperation = 'READ' | 'WRITE' | 'CREATE' | 'DESCRIBE';

export interface AclBinding {
  resourceType: 'TOPIC' | 'GROUP';
  resourceName: string;
  patternType: 'LITERAL' | 'PREFIXED';
  principal: string;
  operation: AclOperation;
}

/** 32 alphanumerics, the shape of the passwords Charmed Kafka generates. */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(64);
  let out = '';
  for (const b of bytes) {
    if (b >= 248) continue; // 248 = 62 * 4: keeps the draw uniform
    out += alphabet.charAt(b % 62);
    if (out.length === 32) return out;
  }
  return out + generatePassword().slice(out.length);
}

export function generatePasswords(): Passwords {
  return Object.fromEntries(SASL_ROLES.map((role) => [role, generatePassword()])) as Passwords;
}

export function consumerGroupPrefix(user: string): string {
  return `${user}-`;
}

export function producerAcls(user: string, topic: string): AclBinding[] {
  return (['CREATE', 'WRITE', 'DESCRIBE'] as const).map((operation) => ({
    resourceType: 'TOPIC',
    resourceName: topic,
    patternType: 'LITERAL',
    principal: `User:${user}`,
    operation,
  }));
}

export function consumerAcls(user: string, topic: string): AclBinding[] {
  return [
    ...(['READ', 'DESCRIBE'] as const).map((operation): AclBinding => ({
      resourceType: 'TOPIC',
      resourceName: topic,
      patternType: 'LITERAL',
      principal: `User:${user}`,
      operation,
    })),
    {
      resourceType: 'GROUP',
      resourceName: consumerGroupPrefix(user),
      patternType: 'PREFIXED',
      principal: `User:${user}`,
      operation: 'READ',
    },
  ];
}

/** Every ACL a fresh local cluster carries for its topic. */
export function clusterAcls(topic: string): AclBinding[] {
  return [
    ...producerAcls(USER_NAMES.producer, topic),
    ...consumerAcls(USER_NAMES.consumer, topic),
    ...producerAcls(USER_NAMES.client, topic),
    ...consumerAcls(USER_NAMES.client, topic),
    ...producerAcls(USER_NAMES.mtls, topic),
    ...consumerAcls(USER_NAMES.mtls, topic),
  ];
}
