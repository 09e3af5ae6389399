/**
 * The sequence-number fields of a tcpcb (RFC 9293 §3.3.1; the timestamps of RFC 7323), as unsigned
 * 32-bit numbers to every reader, stored as signed 32-bit ones.
 *
 * Why: V8 keeps a field inline only while every value it holds fits a small integer (31 bits plus
 * sign); one sequence number above 2^31 turns the field into a boxed double for every tcpcb, 16 bytes
 * more each. Half of all sequence numbers are above 2^31, so a connection would carry some 15 such
 * boxes. Storing `v | 0` and reading `v >>> 0` keeps them inline; the accessors inline to nothing
 * in optimised code. Writers may hand in any integer (a sum past 2^32, a negative distance): it is
 * kept modulo 2^32, as the C fields are.
 *
 * Storage only: no arithmetic or policy here.
 */

export class TcpSeqSpace {
  // send sequence space (RFC 9293 §3.3.1)
  #iss = 0
  get iss(): number {
    return this.#iss >>> 0
  }
  set iss(v: number) {
    this.#iss = v | 0
  }
  #snd_una = 0
  get snd_una(): number {
    return this.#snd_una >>> 0
  }
  set snd_una(v: number) {
    this.#snd_una = v | 0
  }
  #snd_nxt = 0
  get snd_nxt(): number {
    return this.#snd_nxt >>> 0
  }
  set snd_nxt(v: number) {
    this.#snd_nxt = v | 0
  }
  #snd_max = 0
  get snd_max(): number {
    return this.#snd_max >>> 0
  }
  set snd_max(v: number) {
    this.#snd_max = v | 0
  }
  #snd_up = 0
  get snd_up(): number {
    return this.#snd_up >>> 0
  }
  set snd_up(v: number) {
    this.#snd_up = v | 0
  }
  #snd_wl1 = 0
  get snd_wl1(): number {
    return this.#snd_wl1 >>> 0
  }
  set snd_wl1(v: number) {
    this.#snd_wl1 = v | 0
  }
  #snd_wl2 = 0
  get snd_wl2(): number {
    return this.#snd_wl2 >>> 0
  }
  set snd_wl2(v: number) {
    this.#snd_wl2 = v | 0
  }
  #snd_recover = 0
  get snd_recover(): number {
    return this.#snd_recover >>> 0
  }
  set snd_recover(v: number) {
    this.#snd_recover = v | 0
  }
  // receive sequence space
  #irs = 0
  get irs(): number {
    return this.#irs >>> 0
  }
  set irs(v: number) {
    this.#irs = v | 0
  }
  #rcv_nxt = 0
  get rcv_nxt(): number {
    return this.#rcv_nxt >>> 0
  }
  set rcv_nxt(v: number) {
    this.#rcv_nxt = v | 0
  }
  #rcv_adv = 0
  get rcv_adv(): number {
    return this.#rcv_adv >>> 0
  }
  set rcv_adv(v: number) {
    this.#rcv_adv = v | 0
  }
  #rcv_up = 0
  get rcv_up(): number {
    return this.#rcv_up >>> 0
  }
  set rcv_up(v: number) {
    this.#rcv_up = v | 0
  }
  #last_ack_sent = 0
  get last_ack_sent(): number {
    return this.#last_ack_sent >>> 0
  }
  set last_ack_sent(v: number) {
    this.#last_ack_sent = v | 0
  }
  // RFC 7323 timestamps: the last TSval to echo, and this connection's offset to our clock (§5.4)
  #ts_recent = 0
  get ts_recent(): number {
    return this.#ts_recent >>> 0
  }
  set ts_recent(v: number) {
    this.#ts_recent = v | 0
  }
  #ts_offset = 0
  get ts_offset(): number {
    return this.#ts_offset >>> 0
  }
  set ts_offset(v: number) {
    this.#ts_offset = v | 0
  }
}
