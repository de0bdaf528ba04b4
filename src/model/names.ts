/**
 * Resource name rules, as Kubernetes and Calico define them. Each returns why
 * a name is refused, or undefined when it is fine.
 */
import { show } from './findings.ts';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Most kinds: lowercase labels joined by dots, at most 253 characters. */
export function dns1123Subdomain(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (name.length > 253) return `${show(name)} is ${name.length} characters long; at most 253 are allowed`;
  if (!name.split('.').every((l) => LABEL.test(l))) {
    return `${show(name)} is not a valid name: use lowercase letters, digits, '-' and '.', ` +
      'starting and ending with a letter or digit (DNS-1123 subdomain)';
  }
  return undefined;
}

/** Namespaces and policy names: one label, no dots, at most 63 characters. */
export function dns1123Label(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (name.length > 63) return `${show(name)} is ${name.length} characters long; at most 63 are allowed`;
  if (!LABEL.test(name)) {
    return `${show(name)} is not a valid name: use lowercase letters, digits and '-', ` +
      'starting and ending with a letter or digit, no dots (DNS-1123 label)';
  }
  return undefined;
}

/**
 * Calico policy names are labels, but the tier prefix `default.` and the
 * `knp.default.` prefix of converted Kubernetes policies are accepted too.
 */
export function policyName(name: string): string | undefined {
  if (name.length > 253) return `${show(name)} is ${name.length} characters long; at most 253 are allowed`;
  const m = /^(knp\.default\.|default\.)(.*)$/.exec(name);
  const rest = m ? m[2]! : name;
  // Unlike a namespace, a policy name has no 63-character cap of its own.
  if (LABEL.test(rest)) return undefined;
  const why = `${show(rest)} is not a valid policy name: use lowercase letters, digits and '-', ` +
    'starting and ending with a letter or digit, no dots';
  return m ? `${show(name)}: after the "${m[1]}" prefix, ${why}` : why;
}

/** A Linux interface name: at most 15 bytes, no '/', no whitespace, not '.' or '..'. */
export function interfaceName(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `${show(name)} is not a usable interface name`;
  if (Buffer.byteLength(name) > 15) {
    return `${show(name)} is ${Buffer.byteLength(name)} bytes long; Linux interface names are at most 15`;
  }
  if (/[\s/:]/.test(name)) return `${show(name)} contains whitespace, '/' or ':', which Linux refuses in interface names`;
  return undefined;
}
