/**
 * The routing daemons' sections of a topology node: rip, ripng, ospf, ospf6, isis and bgp, each
 * turned into that daemon's configuration by routing.ts. Same conventions as schema.ts (`title` is a
 * noun phrase with its article).
 */

import { type Static, Type } from '@sinclair/typebox'
import { doc, IfaceName, Ipv4, PATTERNS } from './schema_leaves.js'

export const RipSchema = Type.Object(
  {
    networks: Type.Optional(
      Type.Array(Type.String({ title: 'an IPv4 prefix or an interface name' }), {
        description:
          "`network` statements: interfaces with an address in one of these prefixes (or of this name) speak RIP. Default ['0.0.0.0/0'] (all).",
      }),
    ),
    redistribute: Type.Optional(
      Type.Array(Type.Union([Type.Literal('connected'), Type.Literal('static'), Type.Literal('kernel')]), {
        description: "Routes announced besides the RIP interfaces' own networks. Default ['connected'].",
      }),
    ),
    passive: Type.Optional(
      Type.Array(IfaceName, {
        description: 'Interfaces that listen but never send updates (passive-interface).',
      }),
    ),
    configure: Type.Optional(
      Type.Boolean({
        description:
          'false: only start ripd; the startup lines configure it (vtysh). Default true: a router rip block from the keys above.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'RIPv2 (ripd, configured through vtysh as FRR is).',
  },
)

export const RipngSchema = Type.Object(
  {
    networks: Type.Optional(
      Type.Array(Type.String({ title: 'an IPv6 prefix or an interface name' }), {
        description:
          "`network` statements: interfaces with an IPv6 prefix inside one of these (or of this name) speak RIPng. Default ['::/0'] (all).",
      }),
    ),
    redistribute: Type.Optional(
      Type.Array(Type.Union([Type.Literal('connected'), Type.Literal('static'), Type.Literal('kernel')]), {
        description: "Routes announced besides the RIPng interfaces' own prefixes. Default ['connected'].",
      }),
    ),
    passive: Type.Optional(
      Type.Array(IfaceName, {
        description: 'Interfaces that listen but never send updates (passive-interface).',
      }),
    ),
    configure: Type.Optional(
      Type.Boolean({
        description:
          'false: only start ripngd; the startup lines configure it (vtysh). Default true: a router ripng block from the keys above.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'RIPng (ripngd, RFC 2080, configured through vtysh as FRR is).',
  },
)

export const OspfSchema = Type.Object(
  {
    networks: Type.Optional(
      Type.Array(Type.String({ pattern: PATTERNS.ipv4Prefix, title: 'an IPv4 prefix' }), {
        description:
          "`network` statements: interfaces with an address in one of these prefixes speak OSPF. Default ['0.0.0.0/0'] (all).",
      }),
    ),
    area: Type.Optional(
      Type.String({
        description: "The area of the networks, dotted or a number. Default '0.0.0.0' (the backbone).",
      }),
    ),
    routerId: Type.Optional(doc(Ipv4, 'ospf router-id; default the highest interface address.')),
    redistribute: Type.Optional(
      Type.Array(Type.Union([Type.Literal('connected'), Type.Literal('static'), Type.Literal('kernel')]), {
        description: "Routes announced as AS-external (type 2, metric 20). Default ['connected'].",
      }),
    ),
    passive: Type.Optional(
      Type.Array(IfaceName, {
        description: 'Interfaces that are announced but send no Hellos (passive-interface).',
      }),
    ),
    interfaces: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          {
            cost: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
            hello: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 65535, description: 'Seconds. Default 10.' }),
            ),
            dead: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 65535, description: 'Seconds. Default 40.' }),
            ),
            priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
            pointToPoint: Type.Optional(Type.Boolean({ description: 'ip ospf network point-to-point.' })),
          },
          { additionalProperties: false },
        ),
        { description: 'ip ospf settings by interface name.' },
      ),
    ),
    configure: Type.Optional(
      Type.Boolean({
        description:
          'false: only start ospfd; the startup lines configure it (vtysh). Default true: a router ospf block from the keys above.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'OSPFv2 (ospfd, configured through vtysh as FRR is).',
  },
)

export const Ospf6Schema = Type.Object(
  {
    routerId: Type.Optional(doc(Ipv4, 'ospf6 router-id; default the highest IPv4 interface address.')),
    area: Type.Optional(
      Type.String({ description: "The interfaces' area, dotted or a number. Default '0.0.0.0'." }),
    ),
    interfaces: Type.Optional(
      Type.Array(IfaceName, {
        description: 'Interfaces in the area (ipv6 ospf6 area). Default all but loopbacks.',
      }),
    ),
    redistribute: Type.Optional(
      Type.Array(Type.Union([Type.Literal('connected'), Type.Literal('static'), Type.Literal('kernel')]), {
        description: "Routes announced as AS-external (type 2, metric 20). Default ['connected'].",
      }),
    ),
    configure: Type.Optional(
      Type.Boolean({
        description:
          'false: only start ospf6d; the startup lines configure it (vtysh). Default true: the settings above.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'OSPFv3 (ospf6d, RFC 5340, configured through vtysh as FRR is).',
  },
)

export const IsisSchema = Type.Object(
  {
    net: Type.Optional(
      Type.String({
        pattern: '^[0-9a-fA-F]{2}(\\.[0-9a-fA-F]{4}){4,}\\.00$',
        description:
          "The NET (`net 49.0001.0000.0000.0001.00`); default area 49.0001 and a system ID from the node's place in the file.",
      }),
    ),
    interfaces: Type.Optional(
      Type.Array(IfaceName, { description: 'Interfaces with `ip router isis`. Default all but loopbacks.' }),
    ),
    passive: Type.Optional(
      Type.Array(IfaceName, { description: 'Interfaces announced but silent (isis passive).' }),
    ),
    configure: Type.Optional(
      Type.Boolean({
        description:
          'false: only start isisd; the startup lines configure it (vtysh). Default true: the settings above.',
      }),
    ),
  },
  { additionalProperties: false, description: 'IS-IS (isisd, configured through vtysh as FRR is).' },
)

export const BgpSchema = Type.Object(
  {
    as: Type.Integer({ minimum: 1, maximum: 4294967295, description: 'router bgp AS: the local AS number.' }),
    routerId: Type.Optional(
      doc(Ipv4, 'bgp router-id; default the highest loopback, else interface, address.'),
    ),
    neighbors: Type.Optional(
      Type.Array(
        Type.Object(
          {
            address: doc(Ipv4, "The neighbour's address."),
            as: Type.Integer({ minimum: 1, maximum: 4294967295, description: 'remote-as (ours: iBGP).' }),
            description: Type.Optional(Type.String()),
            nextHopSelf: Type.Optional(Type.Boolean({ description: 'neighbor X next-hop-self (iBGP).' })),
            weight: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
            maximumPrefix: Type.Optional(Type.Integer({ minimum: 1, maximum: 4294967295 })),
            updateSource: Type.Optional(Type.String({ description: 'An address or interface name.' })),
            ebgpMultihop: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
            timers: Type.Optional(
              Type.Object(
                {
                  keepalive: Type.Integer({ minimum: 0, maximum: 65535 }),
                  hold: Type.Integer({ minimum: 0, maximum: 65535 }),
                },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        { description: '`neighbor X remote-as N` sessions.' },
      ),
    ),
    networks: Type.Optional(
      Type.Array(Type.String({ pattern: PATTERNS.ipv4Prefix, title: 'an IPv4 prefix' }), {
        description: '`network` statements: announced while the routing table has the prefix.',
      }),
    ),
    redistribute: Type.Optional(
      Type.Array(
        Type.Union([
          Type.Literal('connected'),
          Type.Literal('static'),
          Type.Literal('kernel'),
          Type.Literal('rip'),
          Type.Literal('ospf'),
        ]),
        { description: 'Routes announced besides the networks. Default none.' },
      ),
    ),
    configure: Type.Optional(
      Type.Boolean({
        description:
          'false: only start bgpd; the startup lines configure it (vtysh). Default true: a router bgp block from the keys above (with no bgp ebgp-requires-policy, as IMUNES writes it).',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'BGP-4 (bgpd, configured through vtysh as FRR is).',
  },
)

export type RipFile = Static<typeof RipSchema>

export type RipngFile = Static<typeof RipngSchema>

export type OspfFile = Static<typeof OspfSchema>

export type Ospf6File = Static<typeof Ospf6Schema>

export type BgpFile = Static<typeof BgpSchema>

export type IsisFile = Static<typeof IsisSchema>
