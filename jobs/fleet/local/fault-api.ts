/**
 * The local fleet's own HTTP endpoints, beside the real API servers: a view of
 * each cluster's Jobs (`GET /_altus/clusters`, read from its API server) and
 * fault injection, each fault reported the way Kubernetes reports it:
 *
 *     POST /_altus/runs/<runId>/kill?count=N      a crash: SIGKILL, exit 137, counted against the index
 *     POST /_altus/runs/<runId>/preempt?count=N   a Spot reclaim: graceful node shutdown, DisruptionTarget, not counted
 *     POST /_altus/runs/<runId>/evict?count=N     a node-pressure eviction: Evicted, DisruptionTarget, not counted
 *     POST /_altus/clusters/<name>/down|up        the cluster is lost (unreachable, its pods die) or back
 *
 * Each fault answers with how many pods it hit, so a caller can tell a fault
 * that happened from one that found nothing to hit.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BatchV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ClusterGateway } from './cluster-gateway.ts';
import type { NodeAgent, RunningPod } from './node-agent.ts';

/** One cluster as the fault API sees it. */
export interface FaultTarget {
  name: string;
  agent: NodeAgent;
  gateway: ClusterGateway;
  /** Direct to the API server (a lost cluster's Jobs stay readable here). */
  kubeConfig: KubeConfig;
}

/** Starts the endpoints on 127.0.0.1:`port`. */
export async function startFaultApi(targets: readonly FaultTarget[], namespace: string, port: number): Promise<Server> {
  const batch = new Map(targets.map((t) => [t.name, t.kubeConfig.makeApiClient(BatchV1Api)]));
  const podsOf = (runId: string): Array<{ target: FaultTarget; pod: RunningPod }> =>
    targets.flatMap((target) =>
      target.agent
        .running()
        .filter((p) => p.runId === runId)
        .map((pod) => ({ target, pod })),
    );

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (req.method === 'GET' && url.pathname === '/_altus/clusters') {
      const view = await Promise.all(
        targets.map(async (t) => {
          const jobs = (await batch.get(t.name)!.listNamespacedJob({ namespace })).items;
          return {
            name: t.name,
            down: t.gateway.isCut,
            jobs: jobs.map((j) => ({ name: j.metadata?.name, runId: j.metadata?.labels?.['altus.dev/run-id'], status: j.status ?? {} })),
          };
        }),
      );
      return send(res, 200, view);
    }
    const fault = /^\/_altus\/runs\/([^/]+)\/(kill|preempt|evict)$/.exec(url.pathname);
    if (req.method === 'POST' && fault) {
      const count = Number(url.searchParams.get('count') ?? 1);
      const victims = podsOf(decodeURIComponent(fault[1]!));
      if (fault[2] === 'kill' || fault[2] === 'evict') {
        const hit = victims.slice(0, count);
        for (const { target, pod } of hit) fault[2] === 'kill' ? target.agent.crash(pod) : target.agent.evict(pod);
        return send(res, 200, { [fault[2] === 'kill' ? 'killed' : 'evicted']: hit.length, pods: hit.map((v) => v.pod.name) });
      }
      // A Spot reclaim takes whole nodes: enough of the run's nodes to hit `count` of its pods.
      const nodes: Array<{ target: FaultTarget; node: string }> = [];
      let covered = 0;
      for (const { target, pod } of victims) {
        if (covered >= count) break;
        if (nodes.some((n) => n.node === pod.node)) continue;
        nodes.push({ target, node: pod.node });
        covered += victims.filter((v) => v.pod.node === pod.node).length;
      }
      const preempted = (await Promise.all(nodes.map(({ target, node }) => target.agent.shutdownNode(node)))).reduce((a, b) => a + b, 0);
      return send(res, 200, { preempted, nodes: nodes.map((n) => n.node) });
    }
    const admin = /^\/_altus\/clusters\/([^/]+)\/(down|up)$/.exec(url.pathname);
    if (req.method === 'POST' && admin) {
      const target = targets.find((t) => t.name === decodeURIComponent(admin[1]!));
      if (!target) return send(res, 404, { message: `no worker cluster ${admin[1]} in the local fleet` });
      const down = admin[2] === 'down';
      target.gateway.setCut(down);
      target.agent.setDown(down);
      return send(res, 200, { cluster: target.name, down });
    }
    return send(res, 404, { message: `the local fleet does not serve ${req.method} ${url.pathname}` });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => send(res, 500, { message: error.message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
