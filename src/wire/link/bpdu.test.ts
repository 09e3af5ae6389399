import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { hex, toHex } from '../testkit.js'
import {
  BPDU_CFG_LEN,
  BPDU_RST_LEN,
  BPDU_TCN_LEN,
  BPDU_TYPE,
  type Bpdu,
  bpduLength,
  decodeBpdu,
  encodeBpdu,
  newBpdu,
} from './bpdu.js'

// An RST BPDU from a root bridge (priority 32768, 02:00:00:00:00:01) on its port 0x8003: designated,
// forwarding, learning, agreement (802.1D-2004 §9.3.3), times 0/20/2/15 s in 1/256 s.
const RST = hex(
  '42 42 03', //        LLC: DSAP, SSAP 0x42, UI
  '0000 02 02', //      protocol id 0, version 2 (RSTP), type 2 (RST)
  '7c', //              flags: agreement, forwarding, learning, role designated (11)
  '8000 020000000001', // root id
  '00000000', //        root path cost
  '8000 020000000001', // bridge id
  '8003', //            port id
  '0000 1400 0200 0f00', // message age, max age, hello time, forward delay
  '00', //              version 1 length
)
const TCN = hex('42 42 03', '0000 00 80')

describe('BPDU codec', () => {
  test('an RST BPDU decodes field by field and encodes back to the same bytes', () => {
    const b = newBpdu()
    assert.equal(decodeBpdu(RST, 0, RST.length, b), null)
    assert.deepEqual(b, {
      version: 2,
      type: BPDU_TYPE.RST,
      flags: 0x7c,
      rootPri: 0x8000,
      rootMac: 0x020000000001,
      rootCost: 0,
      bridgePri: 0x8000,
      bridgeMac: 0x020000000001,
      portId: 0x8003,
      messageAge: 0,
      maxAge: 20 * 256,
      helloTime: 2 * 256,
      fwdDelay: 15 * 256,
    })
    const out = new Uint8Array(64)
    assert.equal(encodeBpdu(b, out, 3), BPDU_RST_LEN)
    assert.equal(toHex(out, 3, BPDU_RST_LEN), toHex(RST))
  })

  test('a TCN is four bytes after the LLC; a configuration BPDU 35', () => {
    const b = newBpdu()
    assert.equal(decodeBpdu(TCN, 0, TCN.length, b), null)
    assert.equal(b.type, BPDU_TYPE.TCN)
    assert.equal(b.version, 0)
    assert.equal(bpduLength(b), BPDU_TCN_LEN)
    const out = new Uint8Array(8)
    assert.equal(encodeBpdu(b, out, 0), BPDU_TCN_LEN)
    assert.equal(toHex(out, 0, BPDU_TCN_LEN), toHex(TCN))
    const cfg = RST.slice(0, BPDU_CFG_LEN)
    cfg[5] = 0
    cfg[6] = BPDU_TYPE.CFG
    assert.equal(decodeBpdu(cfg, 0, cfg.length, b), null)
    assert.equal(bpduLength(b), BPDU_CFG_LEN)
  })

  test('later protocol versions are read as RSTP (§9.3.4)', () => {
    const v3 = RST.slice()
    v3[5] = 3
    const b = newBpdu()
    assert.equal(decodeBpdu(v3, 0, v3.length, b), null)
    assert.equal(b.version, 2)
  })

  test('malformed BPDUs are refused with a reason', () => {
    const b = newBpdu()
    const bad = (mut: (x: Uint8Array) => void, len = RST.length) => {
      const x = RST.slice()
      mut(x)
      return decodeBpdu(x, 0, len, b)
    }
    assert.equal(
      bad(() => {}, 6),
      'short',
    )
    assert.equal(
      bad((x) => {
        x[0] = 0xaa
      }),
      'llc',
    )
    assert.equal(
      bad((x) => {
        x[2] = 0x13
      }),
      'llc',
    )
    assert.equal(
      bad((x) => {
        x[4] = 1
      }),
      'protocol',
    )
    assert.equal(
      bad((x) => {
        x[6] = 0x33
      }),
      'type',
    )
    // An RST BPDU one byte short of its 36; a configuration BPDU 3 short.
    assert.equal(
      bad(() => {}, BPDU_RST_LEN - 1),
      'short',
    )
    assert.equal(
      bad((x) => {
        x[6] = 0
      }, BPDU_CFG_LEN - 3),
      'short',
    )
    // A window outside the buffer is refused, not read.
    assert.equal(decodeBpdu(RST, 10, RST.length, b), 'short')
  })

  test('property: encode then decode gives the same BPDU back', () => {
    const u16 = fc.integer({ min: 0, max: 0xffff })
    const mac = fc.integer({ min: 0, max: 0xffffffffffff })
    fc.assert(
      fc.property(
        fc.constantFrom(BPDU_TYPE.CFG, BPDU_TYPE.RST),
        fc.integer({ min: 0, max: 0xff }),
        u16,
        mac,
        fc.integer({ min: 0, max: 0xffffffff }),
        u16,
        mac,
        fc.tuple(u16, u16, u16, u16, u16),
        (type, flags, rootPri, rootMac, rootCost, bridgePri, bridgeMac, [portId, ma, mx, h, fd]) => {
          const b: Bpdu = {
            version: type === BPDU_TYPE.RST ? 2 : 0,
            type,
            flags,
            rootPri,
            rootMac,
            rootCost,
            bridgePri,
            bridgeMac,
            portId,
            messageAge: ma,
            maxAge: mx,
            helloTime: h,
            fwdDelay: fd,
          }
          const buf = new Uint8Array(40)
          const n = encodeBpdu(b, buf, 0)
          const back = newBpdu()
          assert.equal(decodeBpdu(buf, 0, n, back), null)
          assert.deepEqual(back, b)
        },
      ),
    )
  })

  test('property: any bytes decode to a BPDU or a reason, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), fc.nat(48), (bytes, len) => {
        const r = decodeBpdu(bytes, 0, Math.min(len, bytes.length), newBpdu())
        assert.ok(r === null || ['short', 'llc', 'protocol', 'type'].includes(r))
      }),
    )
  })
})
