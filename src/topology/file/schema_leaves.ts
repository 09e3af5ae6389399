/**
 * The leaves of the topology file schema: the text patterns (addresses, prefixes, bandwidths,
 * durations, percentages) and the string types built on them. The patterns are the single source for
 * the schema and for units.ts/cidr.ts.
 *
 * Must not: import the rest of the schema (schema.ts and schema_routing.ts build on this).
 */

import { type TSchema, Type } from '@sinclair/typebox'

// ---- text patterns (the single source for the schema and for units.ts/cidr.ts) ----

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'

const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`

const LEN4 = '(?:3[0-2]|[12]?[0-9])'

const NUMBER = '[0-9]+(?:\\.[0-9]+)?'

export const PATTERNS = {
  nodeName: '^[A-Za-z][A-Za-z0-9_-]{0,62}$',
  ifaceName: '^[A-Za-z][A-Za-z0-9_]{0,14}$',
  endpoint: '^[A-Za-z][A-Za-z0-9_-]{0,62}(?::[A-Za-z][A-Za-z0-9_]{0,14})?$',
  ipv4: `^${IPV4}$`,
  ipv4Prefix: `^${IPV4}/${LEN4}$`,
  destination: `^(?:default|${IPV4}(?:/${LEN4})?)$`,
  // Loose on purpose: cidr.ts isIpv6Prefix does the real check with a better message.
  ipv6Prefix: '^[0-9A-Fa-f:.]{2,45}/[0-9]{1,3}$',
  mac: '^[0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2}){5}$|^[0-9A-Fa-f]{1,2}(?:-[0-9A-Fa-f]{1,2}){5}$',
  // '10Mbit', '1Gbps', '100 kbit/s', '2.5M', '1e9'. Bits only: 'bps' is bit/s (not tc's byte/s).
  bandwidth: `^(${NUMBER}(?:[eE][+]?[0-9]{1,2})?) ?([kKmMgGtT]?)(bit|bits|bps|bit/s)?$`,
  // '10ms', '1.5 s', '250us', '250µs', '100ns'; a bare number is µs (as in IMUNES).
  duration: `^(${NUMBER}) ?(ns|us|µs|ms|s)?$`,
  // '0.5%', '100 %'.
  percent: '^(100(?:\\.0+)?|[0-9]{1,2}(?:\\.[0-9]+)?) ?%$',
} as const

// ---- leaves ----

/** A reused schema with its own description (TypeBox schemas are plain objects; symbols are copied). */
export function doc<T extends TSchema>(schema: T, description: string): T {
  return { ...schema, description }
}

export const NodeName = Type.String({
  pattern: PATTERNS.nodeName,
  title: 'a node name',
  description: "A letter, then letters, digits, '-' or '_' (at most 63 characters).",
})

export const IfaceName = Type.String({
  pattern: PATTERNS.ifaceName,
  title: 'an interface name',
  description: "A letter, then letters, digits or '_' (at most 15 characters), e.g. eth0.",
})

export const Ipv4 = Type.String({ pattern: PATTERNS.ipv4, title: 'an IPv4 address', description: 'a.b.c.d' })

export const Ipv4Prefix = Type.String({
  pattern: PATTERNS.ipv4Prefix,
  title: 'an IPv4 address/prefix',
  description: 'An interface address with its prefix length: a.b.c.d/len, e.g. 10.0.1.1/24.',
})

export const Ipv6Prefix = Type.String({
  pattern: PATTERNS.ipv6Prefix,
  title: 'an IPv6 address/prefix',
  description: 'e.g. fc00:1::1/64, configured on the interface (IPv6 static routes come later).',
})

export const Mac = Type.String({
  pattern: PATTERNS.mac,
  title: 'a MAC address',
  description: 'Six hex octets separated by colons (or dashes), e.g. 42:00:aa:00:00:01. Must be unicast.',
})

export const Bandwidth = Type.Union(
  [Type.Number({ minimum: 0 }), Type.String({ pattern: PATTERNS.bandwidth })],
  {
    title: "a bandwidth (bit/s, or a string such as '10Mbit' or '1Gbps')",
    description:
      "Bit/s as a number, or a string with a decimal prefix k, M, G, T and an optional unit bit, bps or bit/s: '10Mbit', '1Gbps', '512k'. 0 means unlimited.",
  },
)

export const Duration = Type.Union(
  [Type.Number({ minimum: 0 }), Type.String({ pattern: PATTERNS.duration })],
  {
    title: "a duration (µs, or a string such as '10ms')",
    description:
      "Microseconds as a number (as in IMUNES), or a string with a unit ns, us, µs, ms or s: '10ms'.",
  },
)

export const Probability = Type.Union(
  [Type.Number({ minimum: 0, maximum: 1 }), Type.String({ pattern: PATTERNS.percent })],
  {
    title: "a probability (0..1) or a percentage such as '1%'",
    description: "A number from 0 to 1, or a percentage string: 0.01 and '1%' are the same.",
  },
)
