import type { WireContext } from './attr-table.ts';
import { decodeAttributes } from './attributes.ts';
import { type Finding, isTreatAsWithdraw } from './findings.ts';
import type { AttributeVerdict } from './scan.ts';
import type { PathAttributes } from './types.ts';

/**
 * Decodes each distinct attribute block once. What scanUpdate's sink needs
 * to return from `attributes()`, with the decoded set and its findings.
 * A table from one peer typically has a handful of distinct sets, so the map
 * stays small; `clear()` on session down.
 */
export interface InternedAttributes extends AttributeVerdict {
  readonly key: string;
  readonly attributes: PathAttributes;
  /** Syntax findings from decoding plus whatever the validator found. */
  readonly findings: readonly Finding[];
}

export type AttributeValidator = (a: PathAttributes) => readonly Finding[];

export class AttributeCache {
  private readonly map = new Map<string, InternedAttributes>();
  private readonly ctx: WireContext;
  private readonly validate: AttributeValidator | undefined;

  constructor(ctx: WireContext, validate?: AttributeValidator) {
    this.ctx = ctx;
    this.validate = validate;
  }

  /** Throws BgpWireError when the block must reset the session. */
  intern(block: Buffer, key: string): InternedAttributes {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const { attributes, findings } = decodeAttributes(block, this.ctx);
    const all = this.validate ? [...findings, ...this.validate(attributes)] : findings;
    const entry: InternedAttributes = {
      key,
      attributes,
      findings: all,
      treatAsWithdraw: isTreatAsWithdraw(all),
      hasNextHop: attributes.nextHop !== undefined,
    };
    this.map.set(key, entry);
    return entry;
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}
