import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KtcError } from '../errors.js';
import { lastLines, requireTool, runCommand } from './commands.js';

export interface TlsFiles {
  caFile: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** Key and certificate chain in one PEM file: what Kafka's ssl.keystore.type=PEM reads. */
  serverKeystore: string;
  clientCert: string;
  clientKey: string;
}

export function tlsFiles(certDir: string): TlsFiles {
  return {
    caFile: join(certDir, 'ca.pem'),
    caKey: join(certDir, 'ca.key'),
    serverCert: join(certDir, 'server.pem'),
    serverKey: join(certDir, 'server.key'),
    serverKeystore: join(certDir, 'server-keystore.pem'),
    clientCert: join(certDir, 'client.pem'),
    clientKey: join(certDir, 'client.key'),
  };
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const result = await runCommand('openssl', args, { cwd });
  if (result.code !== 0) {
    const noise = /^[.+*\s]*$/; // key generation progress dots
    const output = result.output
      .split('\n')
      .filter((l) => !noise.test(l))
      .join('\n');
    throw new KtcError(`openssl ${String(args[0])} failed while making the local cluster's certificates: ${lastLines(output, 2)}`);
  }
}

async function signedCertificate(
  files: { key: string; cert: string; csr: string; ext: string },
  subject: string,
  extensions: string,
  tls: TlsFiles,
  cwd: string,
): Promise<void> {
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.key, '-out', files.csr, '-subj', subject], cwd);
  await writeFile(files.ext, extensions);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      files.csr,
      '-CA',
      tls.caFile,
      '-CAkey',
      tls.caKey,
      '-CAcreateserial',
      '-out',
      files.cert,
      '-days',
      '3650',
      '-sha256',
      '-extfile',
      files.ext,
    ],
    cwd,
  );
}

/**
 * A private CA, a server certificate valid for localhost and every node
 * address, and a client certificate whose CN becomes the mTLS principal.
 * Made once per cluster directory with the openssl command line tool.
 */
export async function ensureCertificates(certDir: string, addresses: string[], clientCn: string): Promise<TlsFiles> {
  const tls = tlsFiles(certDir);
  if (existsSync(tls.serverKeystore) && existsSync(tls.clientKey)) return tls;
  requireTool('openssl', ['version'], 'install OpenSSL (apt-get install openssl); ktc local makes its TLS certificates with it');
  await mkdir(certDir, { recursive: true });
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      tls.caKey,
      '-out',
      tls.caFile,
      '-days',
      '3650',
      '-sha256',
      '-subj',
      '/CN=ktc-local-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    certDir,
  );
  const sans = ['DNS:localhost', ...addresses.map((a) => `IP:${a}`)].join(',');
  await signedCertificate(
    { key: tls.serverKey, cert: tls.serverCert, csr: 'server.csr', ext: join(certDir, 'server.ext') },
    '/CN=localhost',
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${sans}\n`,
    tls,
    certDir,
  );
  await signedCertificate(
    { key: tls.clientKey, cert: tls.clientCert, csr: 'client.csr', ext: join(certDir, 'client.ext') },
    `/CN=${clientCn}`,
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
    tls,
    certDir,
  );
  const keystore = `${await readFile(tls.serverKey, 'utf8')}${await readFile(tls.serverCert, 'utf8')}${await readFile(tls.caFile, 'utf8')}`;
  await writeFile(tls.serverKeystore, keystore, { mode: 0o600 });
  for (const key of [tls.caKey, tls.serverKey, tls.clientKey]) await chmod(key, 0o600);
  return tls;
}
