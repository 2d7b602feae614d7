/**
 * The slice of the kubelet API the API server calls for `kubectl logs`:
 * `GET /containerLogs/<namespace>/<pod>/<container>` (with `tailLines` and
 * `limitBytes`), served over TLS for every node of the local fleet. A pod's log
 * is its worker's log file.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:https';

/** Finds the log file of a pod that ran on this machine. */
export type LogLookup = (namespace: string, pod: string) => string | undefined;

/** Starts the server on 127.0.0.1; resolves to it and its port. */
export async function startKubeletServer(options: { cert: string; key: string; logs: LogLookup; port?: number }): Promise<{ server: Server; port: number }> {
  const server = createServer({ cert: readFileSync(options.cert), key: readFileSync(options.key) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://local');
    const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'GET' || !match) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`the Altus node agent serves container logs only, not ${url.pathname}\n`);
      return;
    }
    const file = options.logs(decodeURIComponent(match[1]!), decodeURIComponent(match[2]!));
    if (!file || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no log for pod ${match[1]}/${match[2]} on this node\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    const tail = Number(url.searchParams.get('tailLines') ?? NaN);
    const limit = Number(url.searchParams.get('limitBytes') ?? NaN);
    if (Number.isInteger(tail) && tail >= 0) {
      const lines = readFileSync(file, 'utf8').split('\n');
      if (lines.at(-1) === '') lines.pop();
      const text = lines.slice(Math.max(0, lines.length - tail)).join('\n');
      res.end(text ? `${text}\n` : '');
      return;
    }
    // limitBytes: the first bytes of the log, as the kubelet reads it.
    const size = statSync(file).size;
    const end = Number.isInteger(limit) && limit > 0 ? Math.min(size, limit) - 1 : size - 1;
    if (end < 0) return void res.end();
    createReadStream(file, { start: 0, end }).pipe(res);
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return { server, port };
}
