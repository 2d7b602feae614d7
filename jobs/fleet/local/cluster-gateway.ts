/**
 * The network path to a local worker cluster's API server, as callers outside
 * the cluster see it (dispatch, reconcile, cancel, kubectl): a TCP relay that
 * can be cut. A lost cluster (`altus fleet lose`) drops every open connection and
 * refuses new ones, as an unreachable GKE control plane does; TLS passes through
 * untouched, so the client still verifies the API server's own certificate.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** One cluster's relay. */
export class ClusterGateway {
  private server: Server | undefined;
  private readonly open = new Set<Socket>();
  private cut = false;

  constructor(private readonly targetPort: number) {}

  /** Listens on 127.0.0.1 (`port` 0: any free port); resolves to the port. */
  listen(port = 0): Promise<number> {
    this.server = createServer((client) => this.relay(client));
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve((this.server!.address() as { port: number }).port));
    });
  }

  /** Cuts the path (every connection dropped, new ones reset) or restores it. */
  setCut(cut: boolean): void {
    this.cut = cut;
    if (cut) for (const socket of this.open) socket.destroy();
  }

  get isCut(): boolean {
    return this.cut;
  }

  async close(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private relay(client: Socket): void {
    if (this.cut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: this.targetPort });
    for (const socket of [client, upstream]) {
      this.open.add(socket);
      socket.once('close', () => this.open.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
