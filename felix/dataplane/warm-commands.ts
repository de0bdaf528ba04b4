/**
 * Spare processes for the commands an apply runs (`ipset restore`, each
 * table's `iptables-restore`, `ip -batch`, `sysctl -p -`), started while
 * nothing waits for them. An apply takes a spare and only writes its input,
 * so neither the fork of the agent's large process (milliseconds of the main
 * thread) nor the program's start-up is on its path; the used spare is
 * replaced once the apply is over. A spare holds nothing: an
 * `iptables-restore` reads the kernel's table only when its input arrives.
 */
import { startCommand, type CommandProcess, type CommandRunner } from './command-runner.ts';

const key = (argv: readonly string[]) => argv.join('\0');

export class WarmCommands {
  private readonly runner: CommandRunner;
  private readonly spares = new Map<string, CommandProcess[]>();
  /** How many spares of each command to keep (the filter and nat tables both run `iptables-restore`). */
  private readonly wanted = new Map<string, { argv: readonly string[]; count: number }>();
  private open = true;

  constructor(runner: CommandRunner) {
    this.runner = runner;
  }

  /** A started process for argv: a spare if one is alive, else a new one. */
  take(argv: readonly string[]): CommandProcess {
    const list = this.spares.get(key(argv));
    while (list?.length) {
      const spare = list.shift()!;
      if (!spare.exited) return spare;
    }
    return startCommand(this.runner, argv);
  }

  /** Keeps a spare of each argv from now on, one per time it is listed (started by refill()). */
  keep(argvs: readonly (readonly string[])[]): void {
    if (!this.runner.spawn) return;
    this.open = true;
    this.wanted.clear();
    for (const a of argvs) {
      const w = this.wanted.get(key(a));
      if (w) w.count++;
      else this.wanted.set(key(a), { argv: a, count: 1 });
    }
  }

  /** Starts the spares missing. Call it when nothing waits. */
  refill(): void {
    if (!this.open) return;
    for (const [k, { argv, count }] of this.wanted) {
      let list = this.spares.get(k);
      if (!list) this.spares.set(k, (list = []));
      for (let i = list.length - 1; i >= 0; i--) if (list[i]!.exited) list.splice(i, 1);
      while (list.length < count) list.push(this.runner.spawn!(argv));
    }
  }

  /** Ends every spare unused (empty input: each exits without acting) and starts no more until keep(). */
  close(): void {
    this.open = false;
    this.wanted.clear();
    for (const list of this.spares.values()) for (const p of list) p.end().catch(() => {});
    this.spares.clear();
  }
}
