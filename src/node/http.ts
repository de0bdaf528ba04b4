/**
 * reef-node's two HTTP faces. The status socket (a unix socket, for
 * `reefctl node status` on the same host: no port, file permissions guard
 * it) answers GET /status. The TCP listener (127.0.0.1:9099 by default, for
 * the kubelet's probes and Prometheus) answers /liveness, /readiness and
 * /metrics; /status is there too, for people with curl.
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { dirname } from 'node:path';
import type { Logger } from '../lib/log.ts';

export interface HttpHandlers {
  status(): unknown;
  /** Problems that make the node not ready; empty = ready. */
  notReady(): readonly string[];
  /** Problems that mean the process should be restarted; empty = live. */
  notLive(): readonly string[];
  metrics(): Promise<{ contentType: string; body: string }>;
}

export class NodeHttp {
  readonly #h: HttpHandlers;
  readonly #log: Logger;
  readonly #servers: { server: http.Server; path?: string }[] = [];

  constructor(h: HttpHandlers, log: Logger) {
    this.#h = h;
    this.#log = log;
  }

  async listenSocket(path: string): Promise<void> {
    mkdirSync(dirname(path), { recursive: true });
    // A socket file left by a killed process would make listen() fail with EADDRINUSE.
    rmSync(path, { force: true });
    await this.#listen({ path }, path);
    chmodSync(path, 0o660);
  }

  async listenTcp(hostPort: string): Promise<number> {
    const m = /^\[?(.+?)\]?:(\d+)$/.exec(hostPort)!;
    const s = await this.#listen({ host: m[1]!, port: Number(m[2]) });
    return (s.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.#servers.splice(0).map(
        ({ server, path }) =>
          new Promise<void>((r) => {
            server.close(() => {
              if (path !== undefined) rmSync(path, { force: true });
              r();
            });
            server.closeAllConnections();
          }),
      ),
    );
  }

  #listen(where: { path: string } | { host: string; port: number }, path?: string): Promise<http.Server> {
    return new Promise((resolve, reject) => {
      const s = http.createServer((req, res) => void this.#handle(req, res));
      s.once('error', reject);
      s.listen(where, () => {
        s.off('error', reject);
        this.#log.info('HTTP listening', where);
        this.#servers.push(path !== undefined ? { server: s, path } : { server: s });
        resolve(s);
      });
    });
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (code: number, type: string, body: string): void => {
      res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    const path = new URL(req.url ?? '/', 'http://reef-node').pathname;
    if (req.method !== 'GET') return send(405, 'text/plain', 'only GET\n');
    try {
      switch (path) {
        case '/status':
          return send(200, 'application/json', JSON.stringify(this.#h.status()) + '\n');
        case '/liveness':
        case '/readiness': {
          const problems = path === '/liveness' ? this.#h.notLive() : this.#h.notReady();
          return problems.length === 0 ? send(200, 'text/plain', 'ok\n') : send(503, 'text/plain', problems.join('\n') + '\n');
        }
        case '/metrics': {
          const m = await this.#h.metrics();
          return send(200, m.contentType, m.body);
        }
        default:
          return send(404, 'text/plain', 'not found: try /status, /liveness, /readiness, /metrics\n');
      }
    } catch (e) {
      this.#log.error('HTTP request failed', { path, err: e instanceof Error ? e.message : String(e) });
      if (!res.headersSent) send(500, 'text/plain', 'internal error\n');
    }
  }
}
