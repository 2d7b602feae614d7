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
  /**
   * While the function refuses connections (restarting after a crash), hold the
   * delivery and try again for up to this long, as Cloud Functions holds a request
   * while a new instance starts; locally the emulator would instead spend its
   * delivery attempts within seconds and dead-letter the message.
   */
  holdWhileDownMilliseconds?: number;
}

/** What the proxy did to deliveries. */
export interface ProxyStats {
  forwarded: number;
  duplicated: number;
  dropped: number;
  /** Forwards the function failed: a 5xx answer or a connection lost mid-request (a crashed handler gives either). */
  failed: number;
}

const noStats = (): ProxyStats => ({ forwarded: 0, duplicated: 0, dropped: 0, failed: 0 });

/** The proxy and the push endpoints it replaced. */
export class ChaosProxy {
  private server: Server | undefined;
  private port = 0;
  private readonly modes = new Map<string, ProxyMode>();
  private readonly counters = new Map<string, number>();
  stats: ProxyStats = noStats();
  private perRun = new Map<string, ProxyStats>();
  /** When each function last had a delivery through the proxy (ms since the epoch). */
  private readonly lastDelivery = new Map<string, number>();

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
    this.stats = noStats();
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

  /**
   * Resolves once none of `fns` has had a delivery for `quietMilliseconds`, or after
   * `timeoutMilliseconds` (resolving false): a settled run can still have
   * stragglers in flight (a lost cluster's pods finishing after it came back).
   */
  async quiet(fns: readonly string[], quietMilliseconds: number, timeoutMilliseconds: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMilliseconds;
    for (;;) {
      const last = Math.max(0, ...fns.map((fn) => this.lastDelivery.get(fn) ?? 0));
      if (Date.now() - last >= quietMilliseconds) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** What the proxy did to the deliveries of one run's messages for one function. */
  statsFor(runId: string, fn: string): ProxyStats {
    return { ...(this.perRun.get(`${runId} ${fn}`) ?? noStats()) };
  }

  async close(): Promise<void> {
    await this.uninstall();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private fail(run: ProxyStats): void {
    this.stats.failed++;
    run.failed++;
  }

  private async route(url: string, headers: NodeJS.Dict<string | string[]>, body: Buffer): Promise<number> {
    const [, fn, ...rest] = url.split('/');
    const target = this.stack.functions[fn as keyof StackInfo['functions']];
    const mode = this.modes.get(fn ?? '') ?? {};
    if (!target) return 404;
    const n = (this.counters.get(fn!) ?? 0) + 1;
    this.counters.set(fn!, n);
    this.lastDelivery.set(fn!, Date.now());
    const key = `${runIdOf(body) ?? ''} ${fn}`;
    const run = this.perRun.get(key) ?? noStats();
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
      const holdUntil = Date.now() + (mode.holdWhileDownMilliseconds ?? 0);
      for (;;) {
        try {
          const res = await fetch(`${target}/${rest.join('/')}`, {
            method: 'POST',
            headers: { 'content-type': String(headers['content-type'] ?? 'application/json') },
            body,
          });
          if (res.status >= 500) this.fail(run);
          return res.status;
        } catch (error) {
          if (refused(error) && Date.now() < holdUntil) {
            await new Promise((r) => setTimeout(r, 250));
            continue;
          }
          this.fail(run);
          return 503;
        }
      }
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

/** Nothing listens on the function's port (it is restarting). */
function refused(error: unknown): boolean {
  return (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
}
