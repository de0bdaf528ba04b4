/**
 * A loopback TCP proxy that a test can cut and heal, to break a client's
 * connection to a daemon (etcd, a BGP peer) while the daemon stays up and
 * other clients keep writing to it. While cut, new connections are reset at
 * once, the way a refused connection looks to the client.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private isCut = false;
  private listenPort = 0;
  private readonly target: { host: string; port: number };

  constructor(targetPort: number, targetHost = '127.0.0.1') {
    this.target = { host: targetHost, port: targetPort };
  }

  get port(): number {
    return this.listenPort;
  }

  get endpoint(): string {
    return `127.0.0.1:${this.listenPort}`;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('tcp proxy: no address');
    this.listenPort = addr.port;
  }

  /** Drops every open connection and resets new ones until heal(). */
  cut(): void {
    this.isCut = true;
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
  }

  heal(): void {
    this.isCut = false;
  }

  async stop(): Promise<void> {
    this.cut();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.isCut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      this.sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  }
}
