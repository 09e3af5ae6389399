/**
 * Test support: small lab topologies (the file format of docs/topology.md) shared by the library
 * API's tests.
 */

/** cli — r1 — r2 — srv; the r1–r2 pipe delays 10 ms each way and loses 2% each way. */
export const TWO_ROUTERS = `
name: two-routers
nodes:
  cli: { kind: pc, interfaces: [ { name: eth0, address: 10.0.1.10/24 } ], routes: [ { to: default, via: 10.0.1.1 } ] }
  r1:
    kind: router
    interfaces: [ { name: eth0, address: 10.0.1.1/24 }, { name: eth1, address: 10.0.2.1/24 } ]
    routes: [ { to: 10.0.3.0/24, via: 10.0.2.2 } ]
  r2:
    kind: router
    interfaces: [ { name: eth0, address: 10.0.2.2/24 }, { name: eth1, address: 10.0.3.1/24 } ]
    routes: [ { to: 10.0.1.0/24, via: 10.0.2.1 } ]
  srv: { kind: pc, interfaces: [ { name: eth0, address: 10.0.3.20/24 } ], routes: [ { to: default, via: 10.0.3.1 } ] }
links:
  - { a: cli, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0, impair: { delay: 10ms, loss: 2% } }
  - { a: r2:eth1, b: srv }
`

/** h1 — r1 — r2 — h2, the two routers running ospfd (router ids 1.1.1.1 and 2.2.2.2). */
export const OSPF_TWO_ROUTERS = `
name: ospf-two-routers
nodes:
  h1: { kind: pc, interfaces: [ { name: eth0, address: 10.0.1.10/24 } ], routes: [ { to: default, via: 10.0.1.1 } ] }
  h2: { kind: pc, interfaces: [ { name: eth0, address: 10.0.2.10/24 } ], routes: [ { to: default, via: 10.0.2.1 } ] }
  r1: { kind: router, ospf: { routerId: 1.1.1.1 }, interfaces: [ { name: eth0, address: 10.0.1.1/24 }, { name: eth1, address: 10.0.12.1/24 } ] }
  r2: { kind: router, ospf: { routerId: 2.2.2.2 }, interfaces: [ { name: eth0, address: 10.0.12.2/24 }, { name: eth1, address: 10.0.2.1/24 } ] }
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r2:eth1, b: h2 }
`
