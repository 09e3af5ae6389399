/**
 * IGMP on the wire (RFC 1112 Appendix I, RFC 2236 §2, RFC 3376 §4): message types, IGMPv3 group
 * record types, the well-known groups, the Max Resp Code / QQIC encoding (RFC 3376 §4.1.1, §4.1.7),
 * the Router Alert option every report carries (RFC 2113) and a check for it in a received header.
 * Constants and pure functions over bytes; nothing here allocates or throws.
 */

/** igmp_type values (netinet/igmp.h). */
export const IgmpType = {
  MEMBERSHIP_QUERY: 0x11,
  V1_MEMBERSHIP_REPORT: 0x12,
  DVMRP: 0x13,
  V2_MEMBERSHIP_REPORT: 0x16,
  V2_LEAVE_GROUP: 0x17,
  V3_MEMBERSHIP_REPORT: 0x22,
} as const

/** IGMPv3 group record types (RFC 3376 §4.2.12). */
export const IgmpRec = {
  MODE_IS_INCLUDE: 1,
  MODE_IS_EXCLUDE: 2,
  CHANGE_TO_INCLUDE_MODE: 3,
  CHANGE_TO_EXCLUDE_MODE: 4,
  ALLOW_NEW_SOURCES: 5,
  BLOCK_OLD_SOURCES: 6,
} as const

/** IGMP_MINLEN: a v1/v2 message; IGMP_V3_QUERY_MINLEN: a v3 query without sources. */
export const IGMP_MINLEN = 8
export const IGMP_V3_QUERY_MINLEN = 12
/** struct igmp_report (type, reserved, checksum, reserved, number of records) and igmp_grouprec. */
export const IGMP_V3_REPORT_HDR_LEN = 8
export const IGMP_GROUPREC_LEN = 8

/** 224.0.0.1, 224.0.0.2, 224.0.0.22 (netinet/in.h INADDR_ALLHOSTS/ALLRTRS/ALLRPTS_GROUP). */
export const INADDR_ALLHOSTS_GROUP = 0xe0000001
export const INADDR_ALLRTRS_GROUP = 0xe0000002
export const INADDR_ALLRPTS_GROUP = 0xe0000016

/** IPOPT_RA and the option ip_output inserts for IGMP (igmp_ra_alloc: RA, length 4, value 0). */
export const IPOPT_RA = 148
export const IGMP_RA_OPTION: Readonly<Uint8Array> = Uint8Array.of(IPOPT_RA, 4, 0, 0)

/** IPTOS_PREC_INTERNETCONTROL: the TOS of IGMPv3 reports (igmp_v3_encap_report). */
export const IPTOS_PREC_INTERNETCONTROL = 0xc0

/**
 * A Max Resp Code or QQIC value (RFC 3376 §4.1.1, §4.1.7): below 128 the value itself, else the
 * floating-point form (mant | 0x10) << (exp + 3).
 */
export function igmpCodeValue(code: number): number {
  if (code < 128) return code
  return ((code & 0xf) | 0x10) << (((code >>> 4) & 7) + 3)
}

/**
 * ip_checkrouteralert: whether the IPv4 header at b[o, o+hlen) carries a well-formed Router Alert
 * option. A malformed option list answers false.
 */
export function ipHasRouterAlert(b: Uint8Array, o: number, hlen: number): boolean {
  let cp = o + 20
  const end = o + hlen
  while (cp < end) {
    const opt = b[cp]!
    if (opt === 0) return false
    if (opt === 1) {
      cp++
      continue
    }
    if (cp + 1 >= end) return false
    const len = b[cp + 1]!
    if (len < 2 || cp + len > end) return false
    if (opt === IPOPT_RA) return len === 4
    cp += len
  }
  return false
}
