/**
 * One iptables table of one family (after Calico felix's iptables.Table):
 * desired chains kept apart from what is installed, dirty chains compared by
 * their rule-hash lists, and every difference applied in one
 * `iptables-restore --noflush` transaction. Only chains whose hash list
 * differs are rewritten (`:CHAIN` flushes a chain in --noflush mode, then its
 * rules follow). Base chains (FORWARD, INPUT, OUTPUT, POSTROUTING) belong to
 * everyone: reef keeps only its jump rules at their top, removed verbatim by
 * their read-back line and inserted with `-I CHAIN 1`.
 *
 * applyStreamed() writes the transaction while it is being worked out: chains
 * may be lazy (rendered when the writer reaches them), new chains are
 * declared first so any rule may jump to them, chains without ipsets go out
 * in pieces as they are rendered (so `iptables-restore` parses them while the
 * rest renders and the sets load), and chains with ipsets once the sets
 * exist. Nothing takes effect before COMMIT, so the kernel sees one atomic
 * change as before.
 */
import type { Logger } from '../../src/lib/log.ts';
import { chainUsesSets, isLazy, ruleLine, sameHashes, type ChainSpec, type DesiredChain, type RuleSpec } from './chains.ts';
import { DataplaneCommandError, runChecked, type CommandProcess, type CommandRunner } from './command-runner.ts';
import { WarmCommands } from './warm-commands.ts';
import { parseIptablesSave, type InstalledTable } from './iptables-save.ts';

export interface IptablesTableOptions {
  readonly runner: CommandRunner;
  readonly family: 4 | 6;
  readonly table: 'filter' | 'nat';
  readonly log?: Logger;
  /** Where the restore command is taken from (a spare when the dataplane keeps one). */
  readonly warm?: WarmCommands;
}

export interface TableApplyStats {
  chainsWritten: number;
  rulesWritten: number;
  chainsDeleted: number;
  baseChainsFixed: number;
}

export function zeroTableStats(): TableApplyStats {
  return { chainsWritten: 0, rulesWritten: 0, chainsDeleted: 0, baseChainsFixed: 0 };
}

/** In restorePieces(): the pieces after it reference ipsets. */
const SETS_NEEDED = Symbol('sets needed');
/** applyStreamed() hands `iptables-restore` its input in pieces of about this size, yielding between them. */
const PIECE = 32 * 1024;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class IptablesTable {
  readonly family: 4 | 6;
  readonly table: 'filter' | 'nat';
  private readonly runner: CommandRunner;
  private readonly log: Logger | undefined;
  private readonly warm: WarmCommands;
  /** `iptables-restore --noflush` of this family. */
  readonly restoreArgv: readonly string[];
  private readonly desired = new Map<string, DesiredChain>();
  private readonly baseJumps = new Map<string, readonly RuleSpec[]>();
  private readonly dirty = new Set<string>();
  private readonly dirtyBase = new Set<string>();
  /** undefined: not known (never read, or a restore failed); the next apply reads back first. */
  private installed: InstalledTable | undefined;
  /** Bumped by every change to desired or installed state: a streamed restore begun before a change is stale. */
  private version = 0;

  constructor(opts: IptablesTableOptions) {
    this.runner = opts.runner;
    this.family = opts.family;
    this.table = opts.table;
    this.log = opts.log;
    this.warm = opts.warm ?? new WarmCommands(opts.runner);
    this.restoreArgv = [this.family === 4 ? 'iptables-restore' : 'ip6tables-restore', '--noflush'];
  }

  get chainCount(): number {
    return this.desired.size;
  }

  hasChain(name: string): boolean {
    return this.desired.has(name);
  }

  setChain(spec: DesiredChain): void {
    this.desired.set(spec.name, spec);
    this.dirty.add(spec.name);
    this.version++;
  }

  removeChain(name: string): void {
    if (this.desired.delete(name)) this.dirty.add(name);
    this.version++;
  }

  /** The rules reef keeps, in this order, at the top of a base chain. */
  setBaseJumps(base: string, rules: readonly RuleSpec[]): void {
    this.baseJumps.set(base, rules);
    this.dirtyBase.add(base);
    this.version++;
  }

  /** Chains missing from the kernel are created from `specs`; chains already there (a previous run's) are left alone. */
  async ensureChains(specs: readonly ChainSpec[]): Promise<TableApplyStats> {
    const inst = await this.readBack();
    for (const s of specs) if (!inst.chains.has(s.name)) this.setChain(s);
    return this.apply();
  }

  /** Reads the kernel and marks every reef chain and base chain for comparison, so the next apply repairs drift. */
  /** `reread` false: trust the cached view (read at start, kept up to date by our own writes). */
  async markForResync(reread = true): Promise<void> {
    const inst = reread || !this.installed ? await this.readBack() : this.installed;
    this.version++;
    for (const name of inst.chains.keys()) this.dirty.add(name);
    for (const name of this.desired.keys()) this.dirty.add(name);
    for (const base of this.baseJumps.keys()) this.dirtyBase.add(base);
  }

  async apply(): Promise<TableApplyStats> {
    if (this.dirty.size === 0 && this.dirtyBase.size === 0) return zeroTableStats();
    const inst = this.installed ?? (await this.readBack());
    const stats = zeroTableStats();
    let body = '';
    for (const piece of this.restorePieces(inst, stats)) if (piece !== SETS_NEEDED) body += piece;
    if (body) await this.restoreInput(`*${this.table}\n${body}COMMIT\n`);
    return this.committed(stats);
  }

  /**
   * apply(), written while it is worked out (see the top of this file): the
   * pieces without ipsets go to `iptables-restore` as they are rendered, the
   * rest once `sets` resolves. If `sets` rejects, the restore is killed
   * before its COMMIT (the kernel is as it was) and this rejects with the
   * same error.
   */
  async applyStreamed(sets: Promise<unknown>): Promise<TableApplyStats> {
    if (!this.installed || (this.dirty.size === 0 && this.dirtyBase.size === 0)) {
      await sets;
      return this.apply();
    }
    const inst = this.installed;
    const version = this.version;
    const stats = zeroTableStats();
    let setsReady = false;
    const ready = sets.then(() => (setsReady = true));
    ready.catch(() => {});
    let proc: CommandProcess | undefined;
    let out = '';
    /** Pieces that reference ipsets, held until the sets exist. */
    let held = '';
    let needsSets = false;
    let written = 0;
    const send = (text: string) => {
      // The process is taken only once there is something to write: a resync that finds nothing changed runs nothing.
      proc ??= this.warm.take(this.restoreArgv);
      if (written === 0) proc.write(`*${this.table}\n`);
      proc.write(text);
      written += text.length;
    };
    try {
      for (const piece of this.restorePieces(inst, stats)) {
        if (piece === SETS_NEEDED) {
          needsSets = true;
          continue;
        }
        if (needsSets && (!setsReady || held)) held += piece;
        else out += piece;
        if (out.length + held.length < PIECE) continue;
        if (setsReady && held) {
          out += held;
          held = '';
        }
        if (out) send(out);
        out = '';
        // Lets the pipes drain (this restore's and the others') between pieces.
        await nextTurn();
        if (this.version !== version) throw new StaleTable();
      }
      await ready;
      if (this.version !== version) throw new StaleTable();
      const rest = out + held;
      if (rest) send(rest);
      if (!proc) return this.committed(stats);
      const res = await proc.end('COMMIT\n');
      if (res.code !== 0) this.restoreFailed(written, new DataplaneCommandError(this.restoreArgv, res));
      return this.committed(stats);
    } catch (err) {
      // Killed before its COMMIT: nothing of this transaction reached the kernel.
      if (proc && !proc.exited) proc.kill();
      if (err instanceof StaleTable) return this.apply();
      throw err;
    }
  }

  /**
   * The transaction's pieces: new chains declared, then the chains that
   * reference no ipset, SETS_NEEDED, the chains that do, the base-chain
   * jumps and the deletions. Renders lazy chains as it goes.
   */
  private *restorePieces(inst: InstalledTable, stats: TableApplyStats): Generator<string | typeof SETS_NEEDED> {
    const names = [...this.dirty].sort();
    // Every new chain declared before any rule, so any rule may jump to it; an existing chain is flushed by its declaration when rewritten.
    let decls = '';
    for (const name of names) if (this.desired.has(name) && !inst.chains.has(name)) decls += `:${name} - [0:0]\n`;
    if (decls) yield decls;
    const later: string[] = [];
    const deleted: string[] = [];
    for (const name of names) {
      const want = this.desired.get(name);
      if (!want) {
        if (inst.chains.has(name)) deleted.push(name);
      } else if (chainUsesSets(want)) later.push(name);
      else yield this.chainText(name, inst, stats);
    }
    yield SETS_NEEDED;
    for (const name of later) yield this.chainText(name, inst, stats);
    for (const base of [...this.dirtyBase].sort()) {
      const fix = this.baseChainFix(base, this.baseJumps.get(base) ?? [], inst);
      if (fix.length === 0) continue;
      yield fix.map((l) => `${l}\n`).join('');
      stats.baseChainsFixed++;
    }
    // Flush every chain being deleted before any -X, so deleted chains may jump to each other.
    let del = '';
    for (const name of deleted) del += `-F ${name}\n`;
    for (const name of deleted) del += `-X ${name}\n`;
    stats.chainsDeleted = deleted.length;
    if (del) yield del;
  }

  /**
   * A desired chain's rules as restore lines, '' when the kernel has it
   * already. A chain the kernel holds a tail or a head of (a dispatch chain
   * gaining endpoints before its final DROP, an empty chain being filled)
   * gets only the missing rules, inserted or appended: no rule is deleted,
   * which spares the restore the kernel's wait for deleted rules to be freed
   * (an RCU grace period when it closes its netlink socket). Anything else is
   * flushed and written whole.
   */
  private chainText(name: string, inst: InstalledTable, stats: TableApplyStats): string {
    const want = this.built(name)!.rules;
    const have = inst.chains.get(name);
    if (sameHashes(have, want)) return '';
    const grows = have !== undefined && have.length < want.length;
    let text = '';
    let from = 0;
    if (grows && matchesAt(have, want, 0)) {
      // The kernel has the head (an empty chain, or rules appended since): append the rest.
      from = have.length;
    } else if (grows && matchesAt(have, want, want.length - have.length)) {
      for (let i = 0; i < want.length - have.length; i++) text += `${ruleLine('-I', name, want[i]!.text, i + 1)}\n`;
      stats.chainsWritten++;
      stats.rulesWritten += want.length - have.length;
      return text;
    } else if (have) {
      // An existing chain is flushed by its declaration; a new one was declared up front.
      text += `:${name} - [0:0]\n`;
    }
    const head = ruleLine('-A', name, '');
    for (let i = from; i < want.length; i++) text += `${head}${want[i]!.text}\n`;
    stats.chainsWritten++;
    stats.rulesWritten += want.length - from;
    return text;
  }

  /** The desired chain, rendered (and kept rendered) if it was lazy. */
  private built(name: string): ChainSpec | undefined {
    const want = this.desired.get(name);
    if (!want || !isLazy(want)) return want;
    const spec = want.build();
    this.desired.set(name, spec);
    return spec;
  }

  /** Records a plan's restore as done: the installed view follows the desired state. */
  private committed(stats: TableApplyStats): TableApplyStats {
    const inst = this.installed!;
    for (const name of this.dirty) {
      const want = this.built(name);
      if (want) inst.chains.set(name, want.rules.map((r) => r.hash));
      else inst.chains.delete(name);
    }
    for (const base of this.dirtyBase) {
      const jumps = this.baseJumps.get(base) ?? [];
      const rest = (r: RuleSpec) => ruleLine('-A', base, r.text).slice(base.length + 4);
      inst.baseRules.set(base, jumps.map((r, index) => ({ index, hash: r.hash, rest: rest(r) })));
    }
    this.dirty.clear();
    this.dirtyBase.clear();
    this.version++;
    return stats;
  }

  /** Removes reef's base-chain jumps and every reef chain in this table; other programs' rules stay. */
  async uninstall(): Promise<TableApplyStats> {
    const inst = await this.readBack();
    const stats = zeroTableStats();
    const lines: string[] = [];
    for (const [base, rules] of inst.baseRules) {
      for (const r of rules) lines.push(`-D ${base} ${r.rest}`);
      if (rules.length) stats.baseChainsFixed++;
    }
    const names = [...inst.chains.keys()];
    for (const name of names) lines.push(`-F ${name}`);
    for (const name of names) lines.push(`-X ${name}`);
    stats.chainsDeleted = names.length;
    if (lines.length > 0) await this.restore(lines);
    this.desired.clear();
    this.baseJumps.clear();
    this.dirty.clear();
    this.dirtyBase.clear();
    this.installed = { chains: new Map(), baseRules: new Map() };
    this.version++;
    return stats;
  }

  /** The restore lines that put `want` at the top of `base` and remove any other reef rule there. */
  private baseChainFix(base: string, want: readonly RuleSpec[], inst: InstalledTable): string[] {
    const have = inst.baseRules.get(base) ?? [];
    const inPlace = have.length === want.length && have.every((r, i) => r.index === i && r.hash === want[i]!.hash);
    if (inPlace) return [];
    const lines = have.map((r) => `-D ${base} ${r.rest}`);
    for (let i = want.length - 1; i >= 0; i--) lines.push(ruleLine('-I', base, want[i]!.text, 1));
    return lines;
  }

  private async readBack(): Promise<InstalledTable> {
    const save = this.family === 4 ? 'iptables-save' : 'ip6tables-save';
    this.installed = parseIptablesSave(await runChecked(this.runner, [save, '-t', this.table]));
    this.version++;
    return this.installed;
  }

  private restore(lines: string[]): Promise<void> {
    return this.restoreInput(`*${this.table}\n${lines.join('\n')}\nCOMMIT\n`);
  }

  private async restoreInput(input: string): Promise<void> {
    try {
      const res = await this.warm.take(this.restoreArgv).end(input);
      if (res.code !== 0) throw new DataplaneCommandError(this.restoreArgv, res, input);
    } catch (err) {
      this.restoreFailed(input.length, err);
    }
  }

  private restoreFailed(bytes: number, err: unknown): never {
    // Whatever the kernel holds now is unknown: read back before the next diff.
    this.installed = undefined;
    this.version++;
    this.log?.warn('iptables restore failed', { table: this.table, family: this.family, bytes, err: String(err) });
    throw err;
  }
}

/** Whether `have` equals `want` from index `at` on, for have.length entries. */
function matchesAt(have: readonly string[], want: readonly RuleSpec[], at: number): boolean {
  for (let i = 0; i < have.length; i++) if (have[i] !== want[at + i]!.hash) return false;
  return true;
}

/** The desired state changed while a streamed restore was being written: it is abandoned and redone. */
class StaleTable extends Error {}
