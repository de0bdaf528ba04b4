/**
 * Runs inside a test namespace (a pod): answers on the TCP and UDP ports given
 * as arguments (`tcp:80 udp:53`) with `ok <peer address>`, and probes other
 * addresses when asked on stdin, one JSON request per line:
 *   {"id":1,"proto":"tcp","host":"10.65.0.3","port":80,"srcPort":31001,"timeoutMs":800}
 * answered on stdout with {"id":1,"ok":true,"reply":"ok 10.65.0.2"}. The
 * caller picks the source port, so no probe rides an earlier probe's
 * conntrack entry.
 */
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { createInterface } from 'node:readline';

interface Request {
  id: number;
  proto: 'tcp' | 'udp';
  host: string;
  port: number;
  srcPort: number;
  timeoutMs: number;
}

const peer = (a: string | undefined) => (a ?? '').replace(/^::ffff:/, '');

const specs = process.argv.slice(2);
let waiting = specs.length;
const listening = () => {
  if (--waiting === 0) process.stdout.write('{"ready":true}\n');
};
for (const spec of specs) {
  const [proto, portText] = spec.split(':');
  const port = Number(portText);
  if (proto === 'tcp') {
    createServer((s) => {
      s.on('error', () => {});
      s.end(`ok ${peer(s.remoteAddress)}\n`);
    }).listen({ port, host: '::', ipv6Only: false }, listening);
  } else {
    const sock = createSocket({ type: 'udp6', ipv6Only: false });
    sock.on('message', (_msg, rinfo) => sock.send(`ok ${peer(rinfo.address)}`, rinfo.port, rinfo.address));
    sock.bind(port, '::', listening);
  }
}

function probeTcp(r: Request): Promise<{ ok: boolean; reply?: string; error?: string }> {
  return new Promise((resolve) => {
    let data = '';
    const s = connect({ host: r.host, port: r.port, localPort: r.srcPort });
    const done = (res: { ok: boolean; reply?: string; error?: string }) => {
      clearTimeout(timer);
      s.destroy();
      resolve(res);
    };
    const timer = setTimeout(() => done({ ok: false, error: 'timeout' }), r.timeoutMs);
    s.on('data', (d) => {
      data += d.toString();
      if (data.includes('\n')) done({ ok: true, reply: data.trim() });
    });
    s.on('error', (e) => done({ ok: false, error: e.message }));
  });
}

function probeUdp(r: Request): Promise<{ ok: boolean; reply?: string; error?: string }> {
  return new Promise((resolve) => {
    const s = createSocket(r.host.includes(':') ? 'udp6' : 'udp4');
    const done = (res: { ok: boolean; reply?: string; error?: string }) => {
      clearTimeout(timer);
      s.close();
      resolve(res);
    };
    const timer = setTimeout(() => done({ ok: false, error: 'timeout' }), r.timeoutMs);
    s.on('message', (m) => done({ ok: true, reply: m.toString() }));
    s.on('error', (e) => done({ ok: false, error: e.message }));
    s.bind(r.srcPort, () => s.send('probe', r.port, r.host));
  });
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const r = JSON.parse(line) as Request;
  void (r.proto === 'tcp' ? probeTcp(r) : probeUdp(r)).then((res) => process.stdout.write(`${JSON.stringify({ id: r.id, ...res })}\n`));
});
process.stdin.on('end', () => process.exit(0));
if (specs.length === 0) process.stdout.write('{"ready":true}\n');
