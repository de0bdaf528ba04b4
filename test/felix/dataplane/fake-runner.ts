/** A CommandRunner that records every call and answers from canned outputs, for tests without a kernel. */
import type { CommandResult, CommandRunner } from '../../../felix/dataplane/command-runner.ts';

export interface Call {
  readonly argv: readonly string[];
  readonly input: string | undefined;
}

export class FakeRunner implements CommandRunner {
  readonly calls: Call[] = [];
  /** First word(s) of argv joined by space -> output. */
  readonly outputs = new Map<string, string>();
  failNext: string | undefined;

  async run(argv: readonly string[], input?: string): Promise<CommandResult> {
    this.calls.push({ argv, input });
    if (this.failNext && argv.join(' ').startsWith(this.failNext)) {
      this.failNext = undefined;
      return { stdout: '', stderr: 'injected failure', code: 1 };
    }
    for (const [prefix, out] of this.outputs) if (argv.join(' ').startsWith(prefix)) return { stdout: out, stderr: '', code: 0 };
    return { stdout: '', stderr: '', code: 0 };
  }

  inputsOf(cmd: string): string[] {
    return this.calls.filter((c) => c.argv[0] === cmd && c.input !== undefined).map((c) => c.input!);
  }

  clear(): void {
    this.calls.length = 0;
  }
}
