/**
 * Per-host scratch wire views for the input path. Input routines run only from the run-queue, which
 * never nests, so each routine may re-point its own view per packet without allocating. Output
 * paths must not use these (they can run inside an input routine); they write headers directly.
 */

import { IcmpView } from '../../wire/inet/icmp.js'
import { Ipv4View } from '../../wire/inet/ipv4.js'
import { ArpView } from '../../wire/link/arp.js'

export class Scratch {
  readonly ipIn = new Ipv4View()
  readonly arpIn = new ArpView()
  readonly icmpIn = new IcmpView()
}
