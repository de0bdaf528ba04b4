/**
 * What the BIRD, GoBGP and FRR launchers share: a work directory that goes
 * away with the daemon, and a poll loop with a deadline so a test waiting for
 * a session or a route fails with what it last saw instead of hanging.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExit } from '../exit-hooks.ts';

export function makeWorkdir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `reef-${prefix}-`));
  let removed = false;
  const unregister = onExit(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    remove: () => {
      if (removed) return;
      removed = true;
      unregister();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Neighbor of a daemon under test, as the interop tests describe it. */
export interface NeighborSpec {
  ip: string;
  asn: number;
  passive?: boolean;
  /** The daemon treats this neighbor as its route-reflector client. */
  rrClient?: boolean;
  gracefulRestart?: boolean;
  /** Address families to enable; IPv4 unicast when absent. */
  families?: ('ipv4' | 'ipv6')[];
  holdTime?: number;
}

export interface DaemonSpec {
  routerId: string;
  asn: number;
  neighbors: NeighborSpec[];
  /** Prefixes the daemon originates (as static routes exported to BGP). */
  originate?: string[];
  /** Install learned routes in the namespace's kernel table (where the daemon can). */
  kernel?: boolean;
  /** Route-reflector cluster ID, when acting as reflector. */
  clusterId?: string;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function isV6(prefixOrIp: string): boolean {
  return prefixOrIp.includes(':');
}

export function familiesOf(n: NeighborSpec): ('ipv4' | 'ipv6')[] {
  return n.families ?? [isV6(n.ip) ? 'ipv6' : 'ipv4'];
}

/**
 * Ends a daemon and waits for it: `signal` first (SIGKILL is a crash, for
 * graceful-restart tests), SIGKILL after 5 s; `before` runs first when the
 * daemon has its own way down (birdc down). A no-op once it has exited.
 */
export async function endProcess(p: ChildProcess | undefined, signal: NodeJS.Signals, before?: () => Promise<unknown>): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  if (before) await before().catch(() => undefined);
  else p.kill(signal);
  const t = setTimeout(() => p.kill('SIGKILL'), 5_000);
  await gone;
  clearTimeout(t);
}
