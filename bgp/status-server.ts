/**
 * reef-bgp's status API (docs/reef-bgp.md): HTTP on a unix socket and,
 * optionally, on TCP. /rib/count answers from a counter, so the bench kit can
 * poll it every 20 ms while a table streams in without walking anything.
 * prom-client is loaded on the first /metrics request: it costs ~15 MB of
 * heap that a speaker nobody scrapes (a benchmark, a test) need not carry.
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { dirname } from 'node:path';
import type { Registry } from 'prom-client';
import type { Logger } from '../src/lib/log.ts';
import type { Speaker } from './speaker.ts';

export interface StatusServerOptions {
  readonly socket?: string;
  /** "host:port" */
  readonly listen?: string;
  readonly log: Logger;
}

export class StatusServer {
  readonly #speaker: Speaker;
  readonly #o: StatusServerOptions;
  readonly #servers: http.Server[] = [];
  #registry: Promise<Registry> | undefined;

  constructor(speaker: Speaker, o: StatusServerOptions) {
    this.#speaker = speaker;
    this.#o = o;
  }

  async start(): Promise<void> {
    if (this.#o.socket !== undefined) {
      const path = this.#o.socket;
      mkdirSync(dirname(path), { recursive: true });
      rmSync(path, { force: true });
      await this.#listen({ path });
      chmodSync(path, 0o660);
    }
    if (this.#o.listen !== undefined) {
      const m = /^\[?(.+?)\]?:(\d+)$/.exec(this.#o.listen)!;
      await this.#listen({ host: m[1]!, port: Number(m[2]) });
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.#servers.splice(0).map(
        (s) =>
          new Promise<void>((r) => {
            s.close(() => r());
            s.closeAllConnections();
          }),
      ),
    );
    if (this.#o.socket !== undefined) rmSync(this.#o.socket, { force: true });
  }

  #listen(where: { path: string } | { host: string; port: number }): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = http.createServer((req, res) => void this.#handle(req, res));
      s.once('error', reject);
      s.listen(where, () => {
        s.off('error', reject);
        this.#o.log.info('status API listening', where);
        this.#servers.push(s);
        resolve();
      });
    });
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://reef-bgp');
    const sp = this.#speaker;
    const send = (code: number, type: string, body: string): void => {
      res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    const json = (v: unknown): void => send(200, 'application/json', JSON.stringify(v) + '\n');
    if (req.method !== 'GET') return send(405, 'text/plain', 'only GET\n');
    try {
      switch (url.pathname) {
        case '/status':
          return json(sp.status());
        case '/rib/count':
          return send(200, 'text/plain', `${url.searchParams.has('paths') ? sp.pathCount : sp.ribCount}\n`);
        case '/routes': {
          const f = url.searchParams.get('family');
          if (f !== null && f !== 'ipv4' && f !== 'ipv6') return send(400, 'text/plain', `family ${f} is not ipv4 or ipv6\n`);
          return json(sp.routes(f ?? undefined));
        }
        case '/metrics': {
          const r = await (this.#registry ??= this.#metrics());
          return send(200, r.contentType, await r.metrics());
        }
        default:
          return send(404, 'text/plain', 'not found: try /status, /rib/count, /routes, /metrics\n');
      }
    } catch (e) {
      this.#o.log.error('status request failed', { path: url.pathname, error: e instanceof Error ? e.message : String(e) });
      if (!res.headersSent) send(500, 'text/plain', 'internal error\n');
    }
  }

  async #metrics(): Promise<Registry> {
    const { Gauge, Registry, collectDefaultMetrics } = await import('prom-client');
    const r = new Registry();
    const sp = this.#speaker;
    collectDefaultMetrics({ register: r, prefix: 'reef_bgp_' });
    new Gauge({ name: 'reef_bgp_rib_prefixes', help: 'Prefixes in the Loc-RIB', registers: [r], collect() { this.set(sp.ribCount); } });
    new Gauge({ name: 'reef_bgp_kernel_routes', help: 'Routes reef installed in the kernel FIB', registers: [r], collect() { this.set(sp.kernelRoutes); } });
    new Gauge({
      name: 'reef_bgp_peer_established',
      help: '1 when the session with the peer is Established',
      labelNames: ['peer', 'address'],
      registers: [r],
      collect() {
        this.reset();
        for (const p of sp.status().peers) this.set({ peer: p.name, address: p.address }, p.state === 'Established' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'reef_bgp_peer_prefixes',
      help: 'Prefixes per peer: received, accepted (after import checks), advertised',
      labelNames: ['peer', 'address', 'kind'],
      registers: [r],
      collect() {
        this.reset();
        for (const p of sp.status().peers) {
          for (const kind of ['received', 'accepted', 'advertised'] as const) this.set({ peer: p.name, address: p.address, kind }, p.prefixes[kind]);
        }
      },
    });
    return r;
  }
}
