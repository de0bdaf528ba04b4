/**
 * A TCP forwarder in the test process (root namespace) listening on a test
 * veth address, so reef-node inside a test namespace can reach the etcd that
 * the harness runs on the root namespace's 127.0.0.1 (loopback is per
 * namespace). Only addresses of ranges the test created are listened on.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class Forwarder {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  constructor(targetPort: number) {
    this.#server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.once('close', () => this.#sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve());
    });
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
