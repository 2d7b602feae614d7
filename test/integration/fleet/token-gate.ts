/**
 * An authenticating front for the fake API server, as GKE's control plane is one:
 * HTTPS with a certificate of its own CA (made with openssl for the test run), and
 * a request passes (to the fake API server, unchanged) only with a bearer token
 * the gate currently accepts; any other gets 401 with a Kubernetes Status, the way
 * an expired or revoked Google token is refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A self-signed certificate for 127.0.0.1 and its key, in PEM. */
function selfSignedCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'altus-token-gate-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'pipe' },
    );
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A gate at `url` in front of `upstream`; `accept` replaces the tokens it takes. */
export class TokenGate {
  /** The bearer token of every request, in order. */
  readonly seen: string[] = [];
  private accepted = new Set<string>();
  private server: Server | undefined;
  private readonly tls = selfSignedCertificate();

  constructor(private readonly upstream: string) {}

  /** The gate's certificate, base64 (as the Container API gives a cluster's CA). */
  get caCertificate(): string {
    return Buffer.from(this.tls.cert).toString('base64');
  }

  accept(...tokens: string[]): void {
    this.accepted = new Set(tokens);
  }

  async start(): Promise<string> {
    const target = new URL(this.upstream);
    this.server = createServer({ cert: this.tls.cert, key: this.tls.key }, (req, res) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      this.seen.push(token);
      if (!this.accepted.has(token)) {
        req.resume();
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Status', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
        return;
      }
      const forward = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
