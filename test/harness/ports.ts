import { createServer, type Server } from 'node:net';

/**
 * Free TCP ports on loopback, found by binding port 0 and letting go. The
 * kernel may hand the port to someone else before the daemon binds it; the
 * window is small, and asking for several at once keeps them distinct.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen({ port: 0, host, exclusive: true }, () => resolve());
      });
    }
    return servers.map((s) => {
      const addr = s.address();
      if (addr === null || typeof addr === 'string') throw new Error(`no TCP address for a listener on ${host}`);
      return addr.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host);
  return port!;
}
