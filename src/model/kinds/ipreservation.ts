/**
 * IPReservation: cluster-wide ranges IPAM never hands out to pods, Calico's
 * kind of the same name. A reservation made after addresses were allocated
 * in it leaves them with their pods (`reefctl ipam check` lists them); once
 * released they are not handed out again.
 */
import { z } from 'zod';
import { cidr } from '../fields.ts';
import { defineKind } from './kind.ts';

export interface IPReservationSpec {
  /** Networks in canonical text (`10.244.0.0/28`, `fd00::/120`); a bare address is its /32 or /128. */
  reservedCIDRs: string[];
}

const spec = z.strictObject({
  reservedCIDRs: z.array(cidr({ strict: true, bareIP: true })),
});

export const ipReservationKind = defineKind({
  kind: 'IPReservation',
  spec,
  finish(p, _meta, f): IPReservationSpec {
    if (p.reservedCIDRs.length === 0) f.add('spec.reservedCIDRs', 'is empty; list at least one CIDR to reserve');
    const seen = new Map<string, number>();
    p.reservedCIDRs.forEach((c, i) => {
      const first = seen.get(c);
      if (first !== undefined) f.add(`spec.reservedCIDRs[${i}]`, `${c} is listed twice (also at spec.reservedCIDRs[${first}])`);
      else seen.set(c, i);
    });
    return { reservedCIDRs: p.reservedCIDRs };
  },
});
