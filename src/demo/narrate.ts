/** The demo's voice: numbered steps and indented detail, for a person reading along. */
let stepNo = 0;

export function step(what: string): void {
  console.log(`\n==> [${++stepNo}] ${what}`);
}

export function say(line: string): void {
  console.log(`    ${line}`);
}

/** Command output under a `$ command` line, indented. */
export function shown(command: string, output: string): void {
  console.log(`    $ ${command}`);
  console.log(output.trimEnd().replace(/^/gm, '      '));
}
