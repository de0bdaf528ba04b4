/**
 * reef-node's entry point (bin/reef-node). Configuration comes from the
 * environment only (src/node/README.md); a bad value exits 2 with one line
 * naming the variable. SIGTERM/SIGINT stop gracefully: BGP peers get Cease
 * with graceful restart, the kernel keeps routes and rules, then the process
 * exits 0. A failure to start exits 1.
 */
import { log } from '../lib/log.ts';
import { NodeConfigError, nodeConfigFrom, type NodeConfig } from './config.ts';
import { NodeDaemon } from './daemon.ts';
import { DatastoreConfigError } from '../datastore/errors.ts';

let cfg: NodeConfig;
try {
  cfg = nodeConfigFrom(process.env);
} catch (e) {
  if (!(e instanceof NodeConfigError || e instanceof DatastoreConfigError)) throw e;
  process.stderr.write(`reef-node: ${e.message}\n`);
  process.exit(2);
}

const daemon = new NodeDaemon(cfg);
let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  daemon.log.info('shutting down', { signal });
  // Sockets that never drain must not keep a terminating pod alive.
  setTimeout(() => process.exit(0), 8000).unref();
  void daemon.stop().then(
    () => {
      process.exitCode = 0;
    },
    (e: unknown) => {
      daemon.log.error('shutdown failed', { err: e instanceof Error ? e.message : String(e) });
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('unhandledRejection', (e) => {
  log.error('unhandled rejection', { err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
});

daemon.start().catch(async (e: unknown) => {
  if (e instanceof NodeConfigError) process.stderr.write(`reef-node: ${e.message}\n`);
  log.error('reef-node failed to start', { node: cfg.nodeName, err: e instanceof Error ? e.message : String(e) });
  await daemon.stop().catch(() => undefined);
  process.exit(e instanceof NodeConfigError ? 2 : 1);
});
