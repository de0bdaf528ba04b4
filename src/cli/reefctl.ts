#!/usr/bin/env node
import { main } from './main.ts';

const code = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
// A client still dialling a dead etcd would keep the process alive; the answer is already out.
process.stdout.write('', () => process.exit(code));
