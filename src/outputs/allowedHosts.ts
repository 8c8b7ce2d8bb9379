import { BlockList, isIP } from 'node:net';

/**
 * `outputs.allowed_hosts` (issue 19, ARCHITECTURE invariant 10): exact host names, `*.example.com`, IP
 * addresses and CIDR ranges. A destination whose address is loopback, private, link-local or otherwise
 * internal needs an explicit entry (an address or range covering it, or its exact host name): a wildcard
 * or a public name that resolves inside the plant network does not open it.
 */
export class AllowedHosts {
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly ranges = new BlockList();

  constructor(readonly patterns: readonly string[]) {
    for (const raw of patterns) {
      const pattern = raw
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, '');
      const [address, bits] = pattern.split('/');
      const family = isIP(address ?? '');
      if (family !== 0) {
        const type = family === 4 ? 'ipv4' : 'ipv6';
        if (bits === undefined) this.ranges.addAddress(address!, type);
        else this.ranges.addSubnet(address!, Number(bits), type);
      } else if (pattern.startsWith('*.')) {
        this.suffixes.push(pattern.slice(1));
      } else {
        this.names.add(pattern);
      }
    }
  }

  /** Why a host name (as written in a URL) is refused, or undefined when it may be reached. */
  refusesHost(hostname: string): string | undefined {
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) return this.refusesAddress(host, host);
    if (this.names.has(host) || this.suffixes.some((s) => host.endsWith(s))) return undefined;
    return `host "${host}" is not in outputs.allowed_hosts`;
  }

  /** Why the address a host resolved to is refused (internal addresses need an explicit entry). */
  refusesAddress(address: string, hostname: string): string | undefined {
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (this.ranges.check(address, type)) return undefined;
    if (isInternal(address)) {
      if (this.names.has(host) && host !== address) return undefined; // an exact name entry is explicit
      return `address ${address} of "${host}" is loopback or private and no outputs.allowed_hosts entry names it`;
    }
    if (isIP(host) !== 0) return `address ${address} is not in outputs.allowed_hosts`;
    if (this.names.has(host) || this.suffixes.some((s) => host.endsWith(s))) return undefined;
    return `host "${host}" is not in outputs.allowed_hosts`;
  }
}

const internal = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const)
  internal.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  internal.addSubnet(net, bits, 'ipv6');

/** Loopback, private, link-local, shared, multicast or unspecified (IPv4-mapped IPv6 read as IPv4). */
export function isInternal(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return internal.check(mapped[1]!, 'ipv4');
  return internal.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}
