/**
 * reef's ipsets (after Calico felix's ipsets manager): desired sets and
 * members apart from what the kernel holds, differences applied in one
 * `ipset restore` — new sets created and filled, small changes as add/del,
 * large rewrites (or a changed type) built in a temporary set and swapped in,
 * so a policy never sees a half-filled set. Deletions run in a second phase,
 * after iptables has stopped referencing the sets. Only `reef-` sets are ever
 * read or touched.
 */
import type { Logger } from '../../src/lib/log.ts';
import { DataplaneCommandError, runChecked, type CommandRunner } from './command-runner.ts';
import { WarmCommands } from './warm-commands.ts';

export type IpSetKind = 'hash:net' | 'hash:ip,port';

export interface IpSetDesc {
  readonly name: string;
  readonly type: IpSetKind;
  readonly family: 'inet' | 'inet6';
}

interface SetState {
  readonly desc: IpSetDesc;
  readonly members: Set<string>;
}

export interface IpSetApplyStats {
  setsCreated: number;
  setsSwapped: number;
  setsDestroyed: number;
  membersAdded: number;
  membersRemoved: number;
}

export function zeroIpSetStats(): IpSetApplyStats {
  return { setsCreated: 0, setsSwapped: 0, setsDestroyed: 0, membersAdded: 0, membersRemoved: 0 };
}

export interface IpSetsOptions {
  readonly runner: CommandRunner;
  readonly log?: Logger;
  /** More adds+dels than this on one set: rebuild and swap instead. */
  readonly swapThreshold?: number;
  readonly maxElem?: number;
  /** Where `ipset restore` is taken from (a spare when the dataplane keeps one). */
  readonly warm?: WarmCommands;
}

const PREFIX = 'reef-';
/** -exist: a destroy of an absent temp set, or an add that is already there, is not an error. */
export const IPSET_RESTORE: readonly string[] = ['ipset', '-exist', 'restore'];
const MAX_NAME = 31;

/** The kernel's spelling of a member: full-length prefixes are dropped, and /0 (which hash:net cannot hold) is split in halves. */
export function kernelMembers(type: IpSetKind, member: string): string[] {
  if (type !== 'hash:net') return [member];
  if (member === '0.0.0.0/0') return ['0.0.0.0/1', '128.0.0.0/1'];
  if (member === '::/0') return ['::/1', '8000::/1'];
  if (member.endsWith('/32') && !member.includes(':')) return [member.slice(0, -3)];
  if (member.endsWith('/128')) return [member.slice(0, -4)];
  return [member];
}

export function tempName(name: string): string {
  const t = `reef-t-${name.slice(PREFIX.length)}`;
  if (t.length > MAX_NAME) throw new Error(`ipset ${name}: temporary name ${t} is longer than ${MAX_NAME}`);
  return t;
}

/** `ipset list -o save` output -> reef's sets only. */
export function parseIpsetSave(text: string): Map<string, SetState> {
  const sets = new Map<string, SetState>();
  for (const line of text.split('\n')) {
    const parts = line.split(' ');
    if (parts[0] === 'create' && parts[1]?.startsWith(PREFIX)) {
      const fam = parts[parts.indexOf('family') + 1] === 'inet6' ? 'inet6' : 'inet';
      sets.set(parts[1], { desc: { name: parts[1], type: parts[2] as IpSetKind, family: fam }, members: new Set() });
    } else if (parts[0] === 'add' && parts[1]?.startsWith(PREFIX)) {
      sets.get(parts[1])?.members.add(parts[2]!);
    }
  }
  return sets;
}

export class IpSets {
  private readonly runner: CommandRunner;
  private readonly log: Logger | undefined;
  private readonly swapThreshold: number;
  private readonly maxElem: number;
  private readonly desired = new Map<string, SetState>();
  private readonly dirty = new Set<string>();
  private installed: Map<string, SetState> | undefined;
  private readonly warm: WarmCommands;

  constructor(opts: IpSetsOptions) {
    this.runner = opts.runner;
    this.log = opts.log;
    this.swapThreshold = opts.swapThreshold ?? 1000;
    this.maxElem = opts.maxElem ?? 1_048_576;
    this.warm = opts.warm ?? new WarmCommands(opts.runner);
  }

  get setCount(): number {
    return this.desired.size;
  }

  /** Replaces a set's whole desired content (members in calc form: `10.0.0.1/32`). */
  setDesired(desc: IpSetDesc, members: Iterable<string>): void {
    if (!desc.name.startsWith(PREFIX) || desc.name.length > MAX_NAME) throw new Error(`ipset name ${desc.name} must start with ${PREFIX} and have at most ${MAX_NAME} characters`);
    const set = new Set<string>();
    for (const m of members) for (const k of kernelMembers(desc.type, m)) set.add(k);
    this.desired.set(desc.name, { desc, members: set });
    this.dirty.add(desc.name);
  }

  changeMembers(name: string, added: Iterable<string>, removed: Iterable<string>): void {
    const s = this.desired.get(name);
    if (!s) throw new Error(`ipset ${name}: members changed before the set was declared`);
    for (const m of removed) for (const k of kernelMembers(s.desc.type, m)) s.members.delete(k);
    for (const m of added) for (const k of kernelMembers(s.desc.type, m)) s.members.add(k);
    this.dirty.add(name);
  }

  removeSet(name: string): void {
    if (this.desired.delete(name)) this.dirty.add(name);
  }

  /** `reread` false: trust the cached view (read at start, kept up to date by our own writes). */
  async markForResync(reread = true): Promise<void> {
    if (reread || !this.installed) this.installed = await this.readBack();
    for (const name of this.installed.keys()) this.dirty.add(name);
    for (const name of this.desired.keys()) this.dirty.add(name);
  }

  /** Reads the kernel's reef sets into the cache without planning any change. */
  async prime(): Promise<void> {
    await this.readBack();
  }

  /** Phase one: creates and fills; leaves sets no longer desired for applyDeletions(). */
  async applyUpdates(): Promise<IpSetApplyStats> {
    const stats = zeroIpSetStats();
    const dirty = [...this.dirty].filter((n) => this.desired.has(n));
    if (dirty.length === 0) return stats;
    const installed = this.installed ?? (await this.readBack());
    const lines: string[] = [];
    for (const name of dirty.sort()) {
      const want = this.desired.get(name)!;
      const have = installed.get(name);
      const create = (n: string) => `create ${n} ${want.desc.type} family ${want.desc.family} maxelem ${this.maxElem}`;
      if (!have) {
        lines.push(create(name));
        for (const m of want.members) lines.push(`add ${name} ${m}`);
        stats.setsCreated++;
        stats.membersAdded += want.members.size;
        continue;
      }
      const adds = [...want.members].filter((m) => !have.members.has(m));
      const dels = [...have.members].filter((m) => !want.members.has(m));
      const retype = have.desc.type !== want.desc.type || have.desc.family !== want.desc.family;
      if (retype || adds.length + dels.length > this.swapThreshold) {
        const tmp = tempName(name);
        lines.push(`destroy ${tmp}`, create(tmp));
        for (const m of want.members) lines.push(`add ${tmp} ${m}`);
        lines.push(`swap ${tmp} ${name}`, `destroy ${tmp}`);
        stats.setsSwapped++;
      } else {
        for (const m of dels) lines.push(`del ${name} ${m}`);
        for (const m of adds) lines.push(`add ${name} ${m}`);
      }
      stats.membersAdded += adds.length;
      stats.membersRemoved += dels.length;
    }
    if (lines.length > 0) await this.restore(lines);
    for (const name of dirty) {
      const want = this.desired.get(name)!;
      installed.set(name, { desc: want.desc, members: new Set(want.members) });
      this.dirty.delete(name);
    }
    return stats;
  }

  /** Phase two, after iptables: destroys sets no longer desired. */
  async applyDeletions(): Promise<IpSetApplyStats> {
    const stats = zeroIpSetStats();
    const gone = [...this.dirty].filter((n) => !this.desired.has(n));
    if (gone.length === 0) return stats;
    const installed = this.installed ?? (await this.readBack());
    const lines = gone.filter((n) => installed.has(n)).map((n) => `destroy ${n}`);
    if (lines.length > 0) await this.restore(lines);
    for (const n of gone) {
      installed.delete(n);
      this.dirty.delete(n);
    }
    stats.setsDestroyed = lines.length;
    return stats;
  }

  /** Destroys every reef set (iptables must not reference them any more). */
  async uninstall(): Promise<IpSetApplyStats> {
    const installed = await this.readBack();
    const stats = zeroIpSetStats();
    const lines = [...installed.keys()].map((n) => `destroy ${n}`);
    if (lines.length > 0) await this.restore(lines);
    stats.setsDestroyed = lines.length;
    this.desired.clear();
    this.dirty.clear();
    this.installed = new Map();
    return stats;
  }

  private async readBack(): Promise<Map<string, SetState>> {
    this.installed = parseIpsetSave(await runChecked(this.runner, ['ipset', 'list', '-o', 'save']));
    return this.installed;
  }

  private async restore(lines: string[]): Promise<void> {
    const input = `${lines.join('\n')}\n`;
    try {
      const res = await this.warm.take(IPSET_RESTORE).end(input);
      if (res.code !== 0) throw new DataplaneCommandError(IPSET_RESTORE, res, input);
    } catch (err) {
      this.installed = undefined;
      this.log?.warn('ipset restore failed', { lines: lines.length, err: String(err) });
      throw err;
    }
  }
}
