/**
 * A chaos proxy between Pub/Sub push and the functions: it can deliver every
 * message twice with independent random delays (duplicates, reordering) and
 * drop a share of first deliveries (acknowledged, never forwarded: the event is
 * lost, as a broken hop would lose it). Installed by pointing the push
 * subscriptions at it; removed by pointing them back. It counts what it did, in
 * total and per run and function (the run id read from the pushed message), so a
 * scenario can show its own run's messages went through it.
 */
import { createServer, type Server } from 'node:http';
import type { PubSub } from '@google-cloud/pubsub';
import { TOPIC_IDS } from '../../shared/messages.ts';
import type { StackInfo } from '../stack/state.ts';
import { PUSH_SUBSCRIPTIONS } from '../stack/wiring.ts';

/** What the proxy does to deliveries for one function. */
export interface ProxyMode {
  duplicate?: boolean;
  /** Each forward waits a random 0..shuffleMilliseconds first. */
  shuffleMilliseconds?: number;
  /** Drop every n-th delivery (acknowledge it without forwarding). */
  dropEvery?: number;
}

/** What the proxy did to deliveries. */
export interface ProxyStats {
  forwarded: number;
  duplicated: number;
  dropped: number;
}

/** The proxy and the push endpoints it replaced. */
export class ChaosProxy {
  private server: Server | undefined;
  private port = 0;
  private readonly modes = new Map<string, ProxyMode>();
  private readonly counters = new Map<string, number>();
  stats: ProxyStats = { forwarded: 0, duplicated: 0, dropped: 0 };
  private perRun = new Map<string, ProxyStats>();

  constructor(
    private readonly stack: StackInfo,
    private readonly pubsub: PubSub,
    private readonly random: () => number = Math.random,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void this.route(req.url ?? '/', req.headers, Buffer.concat(chunks)).then((status) => res.writeHead(status).end()));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server!.address() as { port: number }).port;
  }

  /** Points the push subscription of each function in `modes` at the proxy; the counts start again from zero. */
  async install(modes: Record<string, ProxyMode>): Promise<void> {
    this.stats = { forwarded: 0, duplicated: 0, dropped: 0 };
    this.perRun = new Map();
    this.counters.clear();
    for (const [fn, mode] of Object.entries(modes)) this.modes.set(fn, mode);
    for (const sub of PUSH_SUBSCRIPTIONS.filter((s) => s.fn in modes)) {
      const path = `/projects/${this.stack.projectId}/topics/${TOPIC_IDS[sub.role]}`;
      await this.pubsub.subscription(`${TOPIC_IDS[sub.role]}-push`).modifyPushConfig({ pushEndpoint: `http://127.0.0.1:${this.port}/${sub.fn}${path}` });
    }
  }

  /** Points every push subscription back at its function. */
  async uninstall(): Promise<void> {
    for (const sub of PUSH_SUBSCRIPTIONS) {
      const path = `/projects/${this.stack.projectId}/topics/${TOPIC_IDS[sub.role]}`;
      await this.pubsub.subscription(`${TOPIC_IDS[sub.role]}-push`).modifyPushConfig({ pushEndpoint: `${this.stack.functions[sub.fn]}${path}` });
    }
    this.modes.clear();
  }

  /** What the proxy did to the deliveries of one run's messages for one function. */
  statsFor(runId: string, fn: string): ProxyStats {
    return { ...(this.perRun.get(`${runId} ${fn}`) ?? { forwarded: 0, duplicated: 0, dropped: 0 }) };
  }

  async close(): Promise<void> {
    await this.uninstall();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async route(url: string, headers: NodeJS.Dict<string | string[]>, body: Buffer): Promise<number> {
    const [, fn, ...rest] = url.split('/');
    const target = this.stack.functions[fn as keyof StackInfo['functions']];
    const mode = this.modes.get(fn ?? '') ?? {};
    if (!target) return 404;
    const n = (this.counters.get(fn!) ?? 0) + 1;
    this.counters.set(fn!, n);
    const key = `${runIdOf(body) ?? ''} ${fn}`;
    const run = this.perRun.get(key) ?? { forwarded: 0, duplicated: 0, dropped: 0 };
    this.perRun.set(key, run);
    if (mode.dropEvery && n % mode.dropEvery === 0) {
      this.stats.dropped++;
      run.dropped++;
      return 204;
    }
    const forward = async () => {
      if (mode.shuffleMilliseconds) await new Promise((r) => setTimeout(r, this.random() * mode.shuffleMilliseconds!));
      this.stats.forwarded++;
      run.forwarded++;
      const res = await fetch(`${target}/${rest.join('/')}`, {
        method: 'POST',
        headers: { 'content-type': String(headers['content-type'] ?? 'application/json') },
        body,
      }).catch(() => undefined);
      return res?.status ?? 503;
    };
    if (!mode.duplicate) return forward();
    this.stats.duplicated++;
    run.duplicated++;
    const [first] = await Promise.all([forward(), forward()]);
    return first;
  }
}

/** The run a pushed message is about (`runId`, or a run request's `requestId`), if its data says. */
function runIdOf(push: Buffer): string | undefined {
  try {
    const data = (JSON.parse(push.toString('utf8')) as { message?: { data?: string } }).message?.data;
    const body = JSON.parse(Buffer.from(data ?? '', 'base64').toString('utf8')) as { runId?: unknown; requestId?: unknown };
    const id = body.runId ?? body.requestId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
