/**
 * The default connector: the datastore named by flags, then environment,
 * then the config file (--config, or /etc/reef/reefctl.cfg when present),
 * then etcd at 127.0.0.1:2379, as calicoctl resolves it.
 */
import { existsSync } from 'node:fs';
import { datastoreConfigFrom, openDatastore } from '../datastore/index.ts';
import type { Connector } from './context.ts';

export const DEFAULT_CONFIG_FILE = '/etc/reef/reefctl.cfg';

export const connectFromConfig: Connector = async (opts, env) => {
  const configFile = opts.config ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  const flags = { datastoreType: opts.datastoreType, etcdEndpoints: opts.etcdEndpoints };
  const config = datastoreConfigFrom(configFile === undefined ? { flags, env } : { flags, env, configFile });
  return {
    datastore: openDatastore(config),
    where: config.etcd.endpoints.map((e) => e.replace(/^https?:\/\//, '')).join(','),
    type: config.type,
  };
};
