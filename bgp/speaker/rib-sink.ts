/**
 * scanUpdate's sink for one peer: prefixes from the socket into the Rib with
 * no object per prefix. IPv4 keys (addr*64+len numbers) collect in a
 * Float64Array and go to `rib.announce` / `rib.withdraw` as one run per
 * attribute set, so a table sent as thousands of UPDATEs with one attribute
 * block costs a handful of RIB calls. Each distinct attribute block is decoded
 * once (AttributeCache) and interned once in the Rib's AttrTable.
 *
 * Order is kept: a run of announcements is handed over before any withdrawal
 * that follows it, and the reverse, so "announce X, then withdraw X" in
 * consecutive UPDATEs ends with X gone. `flush()` hands over what is
 * collected; the speaker calls it before each Loc-RIB flush and on session down.
 */
import { AttributeCache } from '../wire/attr-cache.ts';
import type { AttributeVerdict, UpdateSink } from '../wire/scan.ts';
import type { AttrSet } from '../rib/attr-set.ts';
import type { RibPeer } from '../rib/peer.ts';
import { v6Key, type PrefixKey } from '../rib/prefix-key.ts';
import type { Rib } from '../rib/rib.ts';

const RUN = 16384;
const NONE = 0;
const ANNOUNCE = 1;
const WITHDRAW = 2;

export interface SinkHooks {
  /** The peer went over maxPrefixes (called once per session). */
  maxPrefix(dropped: number): void;
  endOfRib(afi: number, safi: number): void;
  /** Something was handed to the Rib: a Loc-RIB flush is due. */
  dirty(): void;
}

export class RibSink implements UpdateSink {
  readonly #rib: Rib;
  readonly #peer: RibPeer;
  readonly #hooks: SinkHooks;
  #cache = new AttributeCache({ fourOctetAs: true });
  #keyPrefix = '';
  readonly #v4 = new Float64Array(RUN);
  #n4 = 0;
  #v6: PrefixKey[] = [];
  #kind = NONE;
  #set: AttrSet | null = null;
  #lastKey = '';
  #maxHit = false;
  /** UPDATE messages seen this session (for logs and tests). */
  updates = 0;

  constructor(rib: Rib, peer: RibPeer, hooks: SinkHooks) {
    this.#rib = rib;
    this.#peer = peer;
    this.#hooks = hooks;
  }

  /** A new session: attribute blocks mean something else if the AS-number width changed. */
  reset(fourOctetAs: boolean): void {
    this.#discard();
    this.#cache = new AttributeCache({ fourOctetAs });
    // The Rib's table is shared by all peers; keep 2-octet sessions' blocks apart.
    this.#keyPrefix = fourOctetAs ? '' : '\u0103';
    this.#maxHit = false;
    this.updates = 0;
  }

  withdraw4(addr: number, len: number): void {
    if (this.#kind !== WITHDRAW) this.#switch(WITHDRAW);
    this.#v4[this.#n4++] = addr * 64 + len;
    if (this.#n4 === RUN) this.flush();
  }

  withdraw6(addr: Buffer, len: number): void {
    if (this.#kind !== WITHDRAW) this.#switch(WITHDRAW);
    this.#v6.push(v6Key(addr, len));
  }

  attributes(block: Buffer, key: string): AttributeVerdict {
    this.updates++;
    const entry = this.#cache.intern(block, key);
    if (entry.treatAsWithdraw) return entry;
    const full = this.#keyPrefix + key;
    if (this.#kind !== ANNOUNCE || full !== this.#lastKey || this.#set === null) {
      this.#switch(ANNOUNCE);
      this.#set = this.#rib.attrs.intern(full, () => entry.attributes);
      this.#lastKey = full;
    }
    return entry;
  }

  announce4(addr: number, len: number): void {
    this.#v4[this.#n4++] = addr * 64 + len;
    if (this.#n4 === RUN) this.#handOver();
  }

  announce6(addr: Buffer, len: number): void {
    this.#v6.push(v6Key(addr, len));
  }

  endOfRib(afi: number, safi: number): void {
    this.flush();
    this.#hooks.endOfRib(afi, safi);
  }

  /** Hands everything collected to the Rib. */
  flush(): void {
    this.#handOver();
    this.#kind = NONE;
    this.#set = null;
  }

  #switch(kind: number): void {
    this.#handOver();
    if (this.#kind === NONE) this.#hooks.dirty();
    this.#kind = kind;
    if (kind !== ANNOUNCE) this.#set = null;
  }

  #handOver(): void {
    if (this.#n4 === 0 && this.#v6.length === 0) return;
    const v4 = this.#v4.subarray(0, this.#n4);
    if (this.#kind === ANNOUNCE && this.#set !== null) {
      let dropped = 0;
      let exceeded = false;
      for (const keys of [v4, this.#v6]) {
        if (keys.length === 0) continue;
        const r = this.#rib.announce(this.#peer, this.#set, keys);
        dropped += r.dropped;
        exceeded ||= r.maxPrefixExceeded;
      }
      // Rejected everywhere: the table forgot the set, so the next UPDATE must intern it again.
      if (this.#set.refs <= 0) this.#lastKey = '';
      if (exceeded && !this.#maxHit) {
        this.#maxHit = true;
        this.#hooks.maxPrefix(dropped);
      }
    } else {
      if (v4.length > 0) this.#rib.withdraw(this.#peer, v4);
      if (this.#v6.length > 0) this.#rib.withdraw(this.#peer, this.#v6);
    }
    this.#n4 = 0;
    if (this.#v6.length > 0) this.#v6 = [];
    this.#hooks.dirty();
  }

  #discard(): void {
    this.#n4 = 0;
    this.#v6 = [];
    this.#kind = NONE;
    this.#set = null;
    this.#lastKey = '';
  }
}
