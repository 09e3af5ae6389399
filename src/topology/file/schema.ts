/**
 * The topology file format, defined once: these TypeBox declarations are at the same time the JSON
 * Schema written to `schema/topology.schema.json` (`npm run schema`, for editors and other tools), the
 * validator the loader runs (with Value.Errors), and — through Static<> — the TypeScript types of a
 * parsed file. Text formats (addresses, bandwidths, durations, percentages) are regular expressions
 * in schema_leaves.ts and nowhere else: units.ts parses with these same patterns. The routing
 * daemons' sections are schema_routing.ts.
 *
 * `title` is used in a specific way: a noun phrase with its article ("an IPv4 address/prefix"), so that
 * validation messages read "'x' is not an IPv4 address/prefix" (validate.ts). `description` is for
 * people reading the schema. docs/topology.md is the prose version and must stay in step.
 */

import { type Static, type TSchema, Type } from '@sinclair/typebox'
import {
  Bandwidth,
  Duration,
  doc,
  IfaceName,
  Ipv4,
  Ipv4Prefix,
  Ipv6Prefix,
  Mac,
  NodeName,
  PATTERNS,
  Probability,
} from './schema_leaves.js'
import { BgpSchema, IsisSchema, Ospf6Schema, OspfSchema, RipngSchema, RipSchema } from './schema_routing.js'

export { PATTERNS } from './schema_leaves.js'
export type { BgpFile, IsisFile, Ospf6File, OspfFile, RipFile, RipngFile } from './schema_routing.js'
export { BgpSchema, IsisSchema, Ospf6Schema, OspfSchema, RipngSchema, RipSchema } from './schema_routing.js'

// ---- link impairments ----

const Gilbert = Type.Object(
  {
    p: doc(Probability, 'Probability of moving from the Good to the Bad state.'),
    r: doc(Probability, 'Probability of moving from the Bad to the Good state.'),
    h: Type.Optional(doc(Probability, 'Delivery probability in Bad (default 0).')),
    k: Type.Optional(doc(Probability, 'Delivery probability in Good (default 1).')),
  },
  {
    additionalProperties: false,
    description: 'Gilbert-Elliott bursty loss, evaluated per packet; replaces loss.',
  },
)

const impairFields = {
  bandwidth: Type.Optional(Bandwidth),
  delay: Type.Optional(Duration),
  jitter: Type.Optional(
    doc(Duration, 'Delay variation, drawn per packet (packets may overtake each other, as in netem).'),
  ),
  jitterDist: Type.Optional(
    Type.Union([Type.Literal('uniform'), Type.Literal('normal')], {
      description: 'uniform: delay ± jitter; normal: standard deviation jitter. Default uniform.',
    }),
  ),
  loss: Type.Optional(doc(Probability, 'Per-packet loss.')),
  gilbert: Type.Optional(Gilbert),
  ber: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 1,
      title: 'a bit error rate (probability per bit, 0..1)',
      description: 'Probability that a bit is corrupted, e.g. 1e-6; a frame with an error is dropped.',
    }),
  ),
  duplicate: Type.Optional(doc(Probability, 'Per-packet duplication.')),
  reorder: Type.Optional(doc(Probability, 'Probability that a packet skips the delay.')),
  queue: Type.Optional(
    Type.Integer({ minimum: 5, maximum: 65536, description: 'Queue limit in packets (default 50).' }),
  ),
  queueBytes: Type.Optional(
    Type.Integer({ minimum: 64, maximum: 1073741824, description: 'Queue limit in bytes (default none).' }),
  ),
  discipline: Type.Optional(
    Type.Union([Type.Literal('fifo'), Type.Literal('drr'), Type.Literal('wfq')], {
      description: 'How the queue is served among flows. Default fifo.',
    }),
  ),
  drop: Type.Optional(
    Type.Union([Type.Literal('tail'), Type.Literal('head')], {
      description: 'Which packet a full queue drops: the arriving one (tail, default) or the oldest (head).',
    }),
  ),
}

export const ImpairSchema = Type.Object(impairFields, {
  additionalProperties: false,
  description: 'Impairments of one direction of a link.',
})

export const LinkImpairSchema = Type.Object(
  {
    ...impairFields,
    ab: Type.Optional(doc(ImpairSchema, 'Overrides for the a -> b direction.')),
    ba: Type.Optional(doc(ImpairSchema, 'Overrides for the b -> a direction.')),
  },
  {
    additionalProperties: false,
    description: 'Impairments for both directions; ab and ba override single fields for one direction.',
  },
)

// ---- nodes ----

export const IfaceSchema = Type.Object(
  {
    name: IfaceName,
    address: Type.Optional(Ipv4Prefix),
    addresses: Type.Optional(Type.Array(Ipv4Prefix, { description: 'More IPv4 addresses (after address).' })),
    ipv6: Type.Optional(
      Type.Array(Ipv6Prefix, { description: 'IPv6 addresses of the interface, configured at startup.' }),
    ),
    mac: Type.Optional(Mac),
    mtu: Type.Optional(Type.Integer({ minimum: 68, maximum: 9000, description: 'Default 1500.' })),
    vlan: Type.Optional(
      Type.Object(
        {
          tag: Type.Integer({ minimum: 1, maximum: 4094, description: 'The 802.1Q VLAN id.' }),
          dev: Type.Optional(
            doc(
              IfaceName,
              "On a pc, host or router: the parent interface the vlan(4) interface is made on ('eth0').",
            ),
          ),
        },
        {
          additionalProperties: false,
          description:
            '802.1Q. On a pc, host or router: this interface is a vlan(4) interface with this tag on interface dev (no link of its own). On a switch port: an access port of VLAN tag (frames leave it untagged); switch ports without vlan are trunks and carry tagged frames.',
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: 'A network interface of a pc, host or router, or a port of a switch.',
  },
)

export const RouteSchema = Type.Object(
  {
    to: Type.String({
      pattern: PATTERNS.destination,
      title: "'default' or an IPv4 prefix",
      description: "'default', a prefix a.b.c.d/len, or an address (a host route).",
    }),
    via: doc(Ipv4, 'Gateway on a connected subnet of the node.'),
  },
  { additionalProperties: false, description: 'An IPv4 static route.' },
)

const Startup = Type.Union([Type.String(), Type.Array(Type.String())], {
  title: 'a shell command or a list of commands',
  description: "Shell command lines run in order by the node's shell, inside its jail, once the lab is up.",
})

// ---- firewall, NAT and shaper (firewall.ts turns them into ipfw(8) command lines) ----

const RuleNumber = Type.Integer({ minimum: 1, maximum: 65534, title: 'an ipfw rule number (1..65534)' })

const Instance = Type.Integer({ minimum: 1, maximum: 65535, title: 'an instance number (1..65535)' })

const IpfwLines = Type.Array(Type.String({ title: 'an ipfw command line' }), {
  title: 'a list of ipfw command lines',
  description:
    "ipfw(8) command lines without the word ipfw, run in order in the node as root before its startup lines: 'add 100 allow ip from any to any', 'nat 1 config if eth1', 'pipe 1 config bw 1Mbit/s'.",
})

export const NatSchema = Type.Object(
  {
    outside: Type.Optional(
      doc(IfaceName, "The outside interface. Default: the interface toward the node's default route."),
    ),
    address: Type.Optional(
      doc(Ipv4, "Translate to this address ('ip A') instead of the outside interface's."),
    ),
    config: Type.Optional(
      Type.String({
        description:
          "More words for 'ipfw nat N config', e.g. 'same_ports redirect_port tcp 10.0.0.80:80 8080'.",
      }),
    ),
    instance: Type.Optional(doc(Instance, 'The ipfw nat instance. Default 1.')),
    rule: Type.Optional(doc(RuleNumber, 'Number of the rule that sends traffic to the NAT. Default 100.')),
  },
  { additionalProperties: false, description: "ipfw nat on the node's outside interface." },
)

export const ShaperSchema = Type.Object(
  {
    interface: doc(IfaceName, 'The interface whose traffic is shaped.'),
    direction: Type.Optional(
      Type.Union([Type.Literal('in'), Type.Literal('out')], {
        description: 'Shape what leaves (out, default) or what arrives (in) on the interface.',
      }),
    ),
    bandwidth: Type.Optional(Bandwidth),
    delay: Type.Optional(doc(Duration, 'Delay, in whole milliseconds (dummynet).')),
    loss: Type.Optional(doc(Probability, 'Packet loss rate (plr).')),
    queue: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 65535, description: 'Queue size in slots (default 50).' }),
    ),
    pipe: Type.Optional(doc(Instance, 'The dummynet pipe. Default: the next free number from 1.')),
    rule: Type.Optional(
      doc(RuleNumber, 'Number of the rule that sends traffic to the pipe. Default 200, 210, ...'),
    ),
  },
  { additionalProperties: false, description: 'A dummynet pipe on one direction of an interface.' },
)

const Ipv4Addr = Type.String({ pattern: PATTERNS.ipv4, title: 'an IPv4 address' })

const UdpPort = Type.Integer({ minimum: 1, maximum: 65534 })

const VxlanSchema = Type.Object(
  {
    vni: Type.Integer({ minimum: 0, maximum: 16777215, description: 'VXLAN network identifier.' }),
    local: doc(Ipv4Addr, 'Our underlay address: a real address of this machine (0.0.0.0: any).'),
    remote: doc(
      Ipv4Addr,
      'The peer underlay address (another VirtNet process, a Linux vxlan), or a multicast group.',
    ),
    localPort: Type.Optional(doc(UdpPort, 'UDP port we bind (default 4789).')),
    remotePort: Type.Optional(doc(UdpPort, 'UDP port of the peer (default 4789).')),
  },
  {
    additionalProperties: false,
    description:
      'An external node: its one link leaves the process as VXLAN (RFC 7348) over a real UDP socket.',
  },
)

const Rj45Schema = Type.Object(
  {
    interface: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,14}$',
      title: "a machine's interface name",
      description: 'The interface of the machine (eth1, enp3s0, a veth) the link is bridged onto.',
    }),
    vlan: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 4094,
        description: 'Only frames of this 802.1Q VLAN (tagged on the wire).',
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      "An external node bridged onto an interface of the machine in promiscuous mode (IMUNES's rj45): needs root on Linux and python3, which relays the frames.",
  },
)

export const NodeSchema = Type.Object(
  {
    kind: Type.Union(
      [
        Type.Literal('pc'),
        Type.Literal('host'),
        Type.Literal('router'),
        Type.Literal('nat'),
        Type.Literal('switch'),
        Type.Literal('hub'),
        Type.Literal('external'),
      ],
      {
        description:
          'pc and host are end systems, router forwards IPv4, nat is a router with ipfw nat on its outside interface, switch learns, hub repeats, external is the far end of one link reached over VXLAN or an interface of the machine (rj45).',
      },
    ),
    vxlan: Type.Optional(VxlanSchema),
    rj45: Type.Optional(Rj45Schema),
    interfaces: Type.Optional(
      Type.Array(IfaceSchema, {
        description: 'Interfaces with their configuration; links create the ones not listed.',
      }),
    ),
    routes: Type.Optional(Type.Array(RouteSchema)),
    startup: Type.Optional(Startup),
    rip: Type.Optional(
      Type.Union([Type.Boolean(), RipSchema], {
        description:
          'Run ripd: true for every interface with connected routes redistributed, or the settings.',
      }),
    ),
    ripng: Type.Optional(
      Type.Union([Type.Boolean(), RipngSchema], {
        description:
          'Run ripngd (IPv6): true for every interface with connected routes redistributed, or the settings.',
      }),
    ),
    ospf: Type.Optional(
      Type.Union([Type.Boolean(), OspfSchema], {
        description:
          'Run ospfd: true for every interface in area 0 with connected routes redistributed, or the settings.',
      }),
    ),
    ospf6: Type.Optional(
      Type.Union([Type.Boolean(), Ospf6Schema], {
        description:
          'Run ospf6d: true for every interface but loopbacks in area 0 with connected routes redistributed, or the settings.',
      }),
    ),
    bgp: Type.Optional(BgpSchema),
    isis: Type.Optional(
      Type.Union([Type.Boolean(), IsisSchema], {
        description: 'Run isisd: true for every interface but loopbacks in `router isis 1`, or the settings.',
      }),
    ),
    forwarding: Type.Optional(
      Type.Boolean({ description: 'net.inet.ip.forwarding; default true for routers, false otherwise.' }),
    ),
    ipfw: Type.Optional(IpfwLines),
    nat: Type.Optional(NatSchema),
    shaper: Type.Optional(
      Type.Array(ShaperSchema, { description: 'dummynet pipes, issued as ipfw pipe lines.' }),
    ),
  },
  { additionalProperties: false },
)

// ---- links ----

const Endpoint = Type.String({
  pattern: PATTERNS.endpoint,
  title: "'node' or 'node:interface'",
  description: 'A node name alone takes its next free interface (see docs/topology.md).',
})

export const LinkSchema = Type.Object(
  {
    a: Endpoint,
    b: Endpoint,
    impair: Type.Optional(LinkImpairSchema),
    up: Type.Optional(Type.Boolean({ description: 'Plugged in at start. Default true.' })),
    direct: Type.Optional(
      Type.Boolean({
        description: 'A plain wire with no shaping element (no impair allowed). Default false.',
      }),
    ),
  },
  { additionalProperties: false, description: 'A point-to-point Ethernet link.' },
)

// ---- top level ----

const Addressing = Type.Union(
  [
    Type.Boolean(),
    Type.Object(
      {
        pool: Type.Optional(doc(Ipv4Prefix, 'Where subnets come from. Default 10.0.0.0/8.')),
        prefix: Type.Optional(
          Type.Integer({ minimum: 8, maximum: 30, description: 'Prefix length of each subnet. Default 24.' }),
        ),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'Give every linked interface of a pc, host or router without an IPv4 address one.' },
)

export const AutoSchema = Type.Union(
  [
    Type.Boolean(),
    Type.Object(
      {
        addressing: Type.Optional(Addressing),
        defaultRoutes: Type.Optional(
          Type.Boolean({ description: 'End systems get a default route toward a router on their segment.' }),
        ),
        routes: Type.Optional(
          Type.Boolean({ description: 'Routers get static routes to every subnet along shortest paths.' }),
        ),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'true turns on addressing, defaultRoutes and routes together.' },
)

export const TopologySchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    name: Type.Optional(doc(NodeName, 'Lab name. Default: the file name.')),
    defaults: Type.Optional(
      Type.Object(
        { impair: Type.Optional(LinkImpairSchema) },
        { additionalProperties: false, description: 'Defaults for every link that is not direct.' },
      ),
    ),
    auto: Type.Optional(AutoSchema),
    nodes: Type.Record(NodeName, NodeSchema, {
      additionalProperties: false,
      propertyNames: {
        pattern: PATTERNS.nodeName,
        title: "a valid node name (a letter, then letters, digits, '-' or '_')",
      },
      description: 'Nodes by name.',
    }),
    links: Type.Optional(Type.Array(LinkSchema)),
  },
  {
    title: 'a VirtNet topology',
    description: 'A VirtNet lab: nodes, links and their configuration. See docs/topology.md.',
    additionalProperties: false,
  },
)

export type TopologyFile = Static<typeof TopologySchema>

export type NodeFile = Static<typeof NodeSchema>

export type IfaceFile = Static<typeof IfaceSchema>

export type RouteFile = Static<typeof RouteSchema>

export type LinkFile = Static<typeof LinkSchema>

export type ImpairFile = Static<typeof ImpairSchema>

export type LinkImpairFile = Static<typeof LinkImpairSchema>

export type AutoFile = Static<typeof AutoSchema>

export type NatFile = Static<typeof NatSchema>

export type ShaperFile = Static<typeof ShaperSchema>

/** The JSON Schema document as written to schema/topology.schema.json (stable text, ends in newline). */
export function schemaJson(): string {
  const doc: TSchema = { $schema: 'http://json-schema.org/draft-07/schema#', ...TopologySchema }
  return `${JSON.stringify(doc, null, 2)}\n`
}
