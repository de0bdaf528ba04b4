/** Reading a test namespace's kernel state, and polling for a condition with a deadline. */
import type { SimNode } from '../topology.ts';

export async function iptablesSave(node: SimNode, table = 'filter', family: 4 | 6 = 4): Promise<string> {
  const res = await node.scope.exec(node.ns, [family === 4 ? 'iptables-save' : 'ip6tables-save', '-t', table]);
  return res.stdout.replace(/^#.*\n/gm, '');
}

/** reef's ipsets and their members as the kernel prints them. */
export async function reefIpsets(node: SimNode): Promise<Map<string, string[]>> {
  const out = (await node.scope.exec(node.ns, ['ipset', 'list', '-o', 'save'])).stdout;
  const sets = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const [verb, name, member] = line.split(' ');
    if (!name?.startsWith('reef-')) continue;
    if (verb === 'create') sets.set(name, []);
    else if (verb === 'add') sets.get(name)?.push(member!);
  }
  return sets;
}

/** Retries `check` until it stops throwing or the deadline passes (then rethrows its last error). */
export async function eventually(check: () => Promise<void>, deadlineMs = 10_000, everyMs = 50): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
