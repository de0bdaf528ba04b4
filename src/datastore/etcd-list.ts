/**
 * Reading a whole kind (or one namespace of it) at one revision, in pages,
 * so a large list stays under gRPC's 4 MiB message limit and is still one
 * consistent snapshot. Values that do not decode are skipped with a warning
 * rather than failing every reader of the kind.
 */
import type { IKeyValue } from 'etcd3';
import { childLogger } from '../lib/log.ts';
import type { Kind, Resource } from '../model/resource.ts';
import { decodeResource } from './codec.ts';
import type { EtcdConnection } from './etcd-client.ts';
import { kindPrefix, prefixEnd } from './keys.ts';

const PAGE = 500;
const log = childLogger({ component: 'datastore' });

export interface RawList {
  kvs: IKeyValue[];
  revision: string;
}

/** Every kv under `prefix` at `revision` (the current one when undefined). */
export async function rangeAll(conn: EtcdConnection, prefix: string, revision?: string, pageSize = PAGE): Promise<RawList> {
  const end = prefixEnd(prefix);
  const kvs: IKeyValue[] = [];
  let start = Buffer.from(prefix, 'utf8');
  let at = revision;
  for (;;) {
    const res = await conn.run((c) =>
      c.kv.range({ key: start, range_end: end, limit: pageSize, ...(at !== undefined ? { revision: at } : {}) }),
    );
    // Later pages must read the same snapshot as the first.
    at ??= res.header.revision;
    kvs.push(...res.kvs);
    if (!res.more || res.kvs.length === 0) return { kvs, revision: at };
    start = Buffer.concat([res.kvs[res.kvs.length - 1]!.key, Buffer.from([0])]);
  }
}

export function decodeKv(kv: IKeyValue): Resource | undefined {
  try {
    return decodeResource(kv.value, kv.mod_revision);
  } catch (err) {
    log.warn('skipping undecodable value', { key: kv.key.toString('utf8'), revision: kv.mod_revision, error: (err as Error).message });
    return undefined;
  }
}

export async function listKind(conn: EtcdConnection, kind: Kind, namespace?: string): Promise<{ items: Resource[]; revision: string }> {
  const raw = await rangeAll(conn, kindPrefix(kind, namespace));
  const items: Resource[] = [];
  for (const kv of raw.kvs) {
    const r = decodeKv(kv);
    if (r) items.push(r);
  }
  return { items, revision: raw.revision };
}
