/**
 * scanUpdate's sink for one peer: prefixes from the socket into the Rib with
 * no object per prefix. IPv4 keys (addr*64+len numbers) collect in a
 * Float64Array and go to `rib.announce` / `rib.withdraw` as one run per
 * attribute set, so a table sent as thousands of UPDATEs with one attribute
 * block costs a handful of RIB calls. Each distinct attribute block is decoded
 * once (AttributeCache) and interned once in the Rib's AttrTable.
 *
 * Validation (RFC 7606, validateAttributes): the AttributeCache belongs to
 * this sink alone and is rebuilt for every session, so its verdicts may
 * depend on the session (eBGP or not, the peer's AS, our address on it). The
 * AttrTable is shared by all peers, but only sets that passed go there, and a
 * set is the decoded block whatever the verdict, so its key needs no peer in
 * it. Treat-as-withdraw turns the UPDATE's announcements into withdrawals;
 * the session stays up and the hook gets one line per distinct block.
 *
 * A set is interned on the first prefix announced with it, never before, and
 * a run that ends (flush, a withdrawal, another set, reset) releases its set
 * if no prefix took it, so no caller order can leave a set in the table.
 *
 * Order is kept: a run of announcements is handed over before any withdrawal
 * that follows it, and the reverse, so "announce X, then withdraw X" in
 * consecutive UPDATEs ends with X gone. `flush()` hands over what is
 * collected; the speaker calls it before each Loc-RIB flush and on session down.
 */
import { AttributeCache, type InternedAttributes } from '../wire/attr-cache.ts';
import { ERROR_ACTION } from '../wire/constants.ts';
import type { Finding } from '../wire/findings.ts';
import { validateAttributes, type ValidationContext } from '../wire/validate.ts';
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
  /** An UPDATE's announcements were treated as withdrawals (RFC 7606): once per distinct attribute block, or scanner reason, per session. */
  treatAsWithdraw?(reason: string): void;
}

/** Distinct scanner reasons reported per session, at most. */
const REASONS_MAX = 64;

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
  /** The current announce run's decoded block and its AttrTable key; the set is interned on the first prefix. */
  #entry: InternedAttributes | null = null;
  #set: AttrSet | null = null;
  #lastKey = '';
  #reasons = new Set<string>();
  #maxHit = false;
  /** UPDATE messages seen this session (for logs and tests). */
  updates = 0;

  constructor(rib: Rib, peer: RibPeer, hooks: SinkHooks) {
    this.#rib = rib;
    this.#peer = peer;
    this.#hooks = hooks;
  }

  /**
   * A new session: attribute blocks mean something else if the AS-number
   * width changed, and verdicts if the validation context did. Without
   * `validation` only the decoder's findings count.
   */
  reset(fourOctetAs: boolean, validation?: ValidationContext): void {
    this.#discard();
    this.#cache = new AttributeCache({ fourOctetAs }, validation !== undefined ? (a) => validateAttributes(a, validation) : undefined);
    this.#reasons = new Set();
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
    const known = this.#cache.size;
    const entry = this.#cache.intern(block, key);
    if (entry.treatAsWithdraw) {
      if (this.#cache.size > known) this.#hooks.treatAsWithdraw?.(reasonOf(entry.findings));
      return entry;
    }
    const full = this.#keyPrefix + key;
    if (this.#kind !== ANNOUNCE || full !== this.#lastKey || this.#entry === null) {
      this.#switch(ANNOUNCE);
      this.#entry = entry;
      this.#lastKey = full;
    }
    return entry;
  }

  finding(f: Finding): void {
    if (this.#reasons.has(f.reason) || this.#reasons.size >= REASONS_MAX) return;
    this.#reasons.add(f.reason);
    this.#hooks.treatAsWithdraw?.(f.reason);
  }

  announce4(addr: number, len: number): void {
    if (this.#set === null && !this.#intern()) return;
    this.#v4[this.#n4++] = addr * 64 + len;
    if (this.#n4 === RUN) this.#handOver();
  }

  announce6(addr: Buffer, len: number): void {
    if (this.#set === null && !this.#intern()) return;
    this.#v6.push(v6Key(addr, len));
  }

  /** The current run's set into the AttrTable; false (the prefix is dropped) if no attributes() came first. */
  #intern(): boolean {
    const e = this.#entry;
    if (this.#kind !== ANNOUNCE || e === null) return false;
    this.#set = this.#rib.attrs.intern(this.#lastKey, () => e.attributes);
    return true;
  }

  /** Ends the current run's hold on its set: the table forgets it if no prefix took it. */
  #dropSet(): void {
    if (this.#set !== null) this.#rib.attrs.releaseIfUnused(this.#set);
    this.#set = null;
  }

  endOfRib(afi: number, safi: number): void {
    this.flush();
    this.#hooks.endOfRib(afi, safi);
  }

  /** Hands everything collected to the Rib. */
  flush(): void {
    this.#handOver();
    this.#dropSet();
    this.#kind = NONE;
    this.#entry = null;
  }

  /** Ends the current run (another kind, or another attribute set) and starts one of `kind`. */
  #switch(kind: number): void {
    this.#handOver();
    this.#dropSet();
    if (this.#kind === NONE) this.#hooks.dirty();
    this.#kind = kind;
    this.#entry = null;
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
      // Rejected everywhere: the table forgot the set, so the next prefix of the run interns it again.
      if (this.#set.refs <= 0) this.#set = null;
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
    this.#dropSet();
    this.#kind = NONE;
    this.#entry = null;
    this.#lastKey = '';
  }
}

function reasonOf(findings: readonly Finding[]): string {
  return findings.filter((f) => f.action >= ERROR_ACTION.TREAT_AS_WITHDRAW).map((f) => f.reason).join('; ');
}
