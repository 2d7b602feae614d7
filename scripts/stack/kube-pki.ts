/**
 * The local control plane's credentials, made once per stack home: a CA, the API
 * server's serving certificate (and the node agent's, for `kubectl logs`), the
 * service-account signing key, and one bearer token per identity. Certificates
 * come from openssl (Node cannot issue X.509); keys never leave the stack home.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Who talks to a local worker cluster's API server, and as what. */
export interface KubeIdentity {
  /** Key in the kubeconfig (`users[].name`). */
  user: string;
  /** The user name the API server authenticates the token as. */
  name: string;
  groups: readonly string[];
}

/** Paths and tokens of one stack home's credentials. */
export interface KubePki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
  tokenFile: string;
  /** Bearer token per identity (`KubeIdentity.user`). */
  tokens: Record<string, string>;
}

const SUBJECT_ALT_NAMES = 'IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc';

/** Creates what is missing under `dir` (existing files are kept) and returns it. */
export function ensureKubePki(dir: string, identities: readonly KubeIdentity[]): KubePki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = (file: string) => join(dir, file);
  const pki: KubePki = {
    dir,
    caCert: path('ca.crt'),
    caKey: path('ca.key'),
    servingCert: path('serving.crt'),
    servingKey: path('serving.key'),
    serviceAccountKey: path('service-account.key'),
    serviceAccountPublicKey: path('service-account.pub'),
    tokenFile: path('tokens.csv'),
    tokens: {},
  };
  if (!existsSync(pki.caCert)) {
    openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      pki.caKey,
      '-out',
      pki.caCert,
      '-days',
      '3650',
      '-subj',
      '/CN=altus-local-kubernetes-ca',
    ]);
  }
  if (!existsSync(pki.servingCert)) {
    const csr = path('serving.csr');
    const extensions = path('serving.ext');
    writeFileSync(extensions, `subjectAltName=${SUBJECT_ALT_NAMES}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`);
    openssl([
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      pki.servingKey,
      '-out',
      csr,
      '-subj',
      '/CN=altus-local-kube-apiserver',
    ]);
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      pki.caCert,
      '-CAkey',
      pki.caKey,
      '-CAcreateserial',
      '-out',
      pki.servingCert,
      '-days',
      '825',
      '-extfile',
      extensions,
    ]);
  }
  if (!existsSync(pki.serviceAccountKey)) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(pki.serviceAccountKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(pki.serviceAccountPublicKey, publicKey.export({ type: 'spki', format: 'pem' }));
  }
  const known = existsSync(pki.tokenFile) ? parseTokenFile(readFileSync(pki.tokenFile, 'utf8')) : new Map<string, string>();
  const lines: string[] = [];
  for (const identity of identities) {
    const token = known.get(identity.name) ?? randomBytes(24).toString('base64url');
    pki.tokens[identity.user] = token;
    // The static token file's format: token,user,uid,"group1,group2".
    lines.push(`${token},${identity.name},${identity.user},"${identity.groups.join(',')}"`);
  }
  writeFileSync(pki.tokenFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  return pki;
}

/** Token by user name, from a static token file. */
function parseTokenFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [token, name] = line.split(',');
    if (token && name) out.set(name, token);
  }
  return out;
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed while making the local control plane's certificates: ${stderr || (error as Error).message}`, { cause: error });
  }
}
