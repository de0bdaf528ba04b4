/**
 * What happens to a received attribute set before it can be a candidate:
 * loop checks (RFC 4271 9.1.2 AS loop, RFC 4456 ORIGINATOR_ID and CLUSTER_LIST),
 * LOCAL_PREF ignored from eBGP peers, then the peer's import policy. The result
 * is a shared Path; without a policy it is computed once per attribute set.
 */
import type { PathAttributes } from '../wire/types.ts';
import type { AttrSet, AttrTable } from './attr-set.ts';
import { Path, REJECTED, asPathContains } from './path.ts';
import type { RibPeer } from './peer.ts';
import { ACCEPT, REJECT } from './policy.ts';
import type { PrefixKey } from './prefix-key.ts';

export interface ImportContext {
  readonly localAsn: number;
  readonly routerId: string;
  readonly clusterId: string;
  readonly defaultLocalPref: number;
  readonly attrTable: AttrTable;
}

export class Importer {
  readonly #ctx: ImportContext;
  /** Policy output objects already interned, so a memoized rewrite costs one lookup per prefix. */
  readonly #interned = new WeakMap<PathAttributes, AttrSet>();

  constructor(ctx: ImportContext) {
    this.#ctx = ctx;
  }

  /** The path for `received` from `peer` without consulting the prefix (no policy, or policy said accept). */
  basePath(peer: RibPeer, received: AttrSet): Path {
    let path = peer.paths.get(received);
    if (path === undefined) {
      path = this.#checked(peer, received);
      this.#retain(path);
      peer.paths.set(received, path);
    }
    return path;
  }

  pathFor(peer: RibPeer, received: AttrSet, key: PrefixKey): Path {
    const base = this.basePath(peer, received);
    const policy = peer.config.importPolicy;
    if (policy === undefined || base.attrs === null) return base;
    const verdict = policy(key, base.attrs.attrs, peer);
    if (verdict === ACCEPT) return base;
    let effective: AttrSet | null = null;
    if (verdict !== REJECT) {
      effective = this.#interned.get(verdict) ?? null;
      if (effective === null) {
        effective = this.#ctx.attrTable.internAttrs(verdict);
        this.#interned.set(verdict, effective);
      }
    }
    const cacheKey = `${received.id}:${effective === null ? 'r' : effective.id}`;
    let path = peer.policyPaths.get(cacheKey);
    if (path === undefined || path.attrs !== effective) {
      path = new Path(peer, received, effective, effective === null ? REJECTED.POLICY : null, this.#ctx.defaultLocalPref);
      this.#retain(path);
      peer.policyPaths.set(cacheKey, path);
    }
    return path;
  }

  /** Called when the last prefix lets go of a path. */
  release(path: Path): void {
    const peer = path.peer;
    if (peer.paths.get(path.received) === path) peer.paths.delete(path.received);
    else {
      const cacheKey = `${path.received.id}:${path.attrs === null ? 'r' : path.attrs.id}`;
      if (peer.policyPaths.get(cacheKey) === path) peer.policyPaths.delete(cacheKey);
    }
    this.#ctx.attrTable.unref(path.received);
    if (path.attrs !== null) this.#ctx.attrTable.unref(path.attrs);
  }

  #retain(path: Path): void {
    this.#ctx.attrTable.ref(path.received);
    if (path.attrs !== null) this.#ctx.attrTable.ref(path.attrs);
  }

  #checked(peer: RibPeer, received: AttrSet): Path {
    const a = received.attrs;
    const ctx = this.#ctx;
    const reject = (why: (typeof REJECTED)[keyof typeof REJECTED]): Path =>
      new Path(peer, received, null, why, ctx.defaultLocalPref);
    if (peer.local) return new Path(peer, received, received, null, ctx.defaultLocalPref);
    if (!peer.ibgp && asPathContains(a.asPath, ctx.localAsn)) return reject(REJECTED.AS_LOOP);
    if (peer.ibgp && a.originatorId === ctx.routerId) return reject(REJECTED.ORIGINATOR_LOOP);
    if (peer.ibgp && a.clusterList?.includes(ctx.clusterId)) return reject(REJECTED.CLUSTER_LOOP);
    let effective = received;
    if (!peer.ibgp && (a.localPref !== undefined || a.originatorId !== undefined || a.clusterList !== undefined)) {
      // RFC 4271 5.1.5 and RFC 4456: these are internal to an AS; an eBGP neighbour's values mean nothing here.
      const { localPref: _lp, originatorId: _o, clusterList: _c, ...rest } = a;
      effective = ctx.attrTable.internAttrs(rest);
    }
    return new Path(peer, received, effective, null, ctx.defaultLocalPref);
  }
}
