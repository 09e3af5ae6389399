import assert from 'node:assert/strict'
import { test } from 'node:test'
import { dmesgLines } from '../userland/sbin/dmesg.js'
import { LOG, MSGBUF_SIZE, MsgBuf } from './subr_msgbuf.js'

test('the message buffer keeps priorities and drops its oldest lines past msgbufsize', () => {
  const b = new MsgBuf()
  b.log(LOG.KERN | LOG.NOTICE, 'epair0a: link state changed to UP')
  b.log(LOG.SECURITY | LOG.INFO, 'ipfw: 100 Deny ICMP:8.0 10.0.1.2 10.0.2.2 in via epair0b')
  assert.equal(
    b.text(),
    '<5>epair0a: link state changed to UP\n<110>ipfw: 100 Deny ICMP:8.0 10.0.1.2 10.0.2.2 in via epair0b\n',
  )
  assert.equal(dmesgLines(b.text(), false), 'epair0a: link state changed to UP\n')
  assert.equal(dmesgLines(b.text(), true).split('\n').length, 3)
  // 10,000 lines of 100 bytes: only the newest that fit stay.
  for (let i = 0; i < 10_000; i++) b.log(LOG.KERN, `${String(i).padStart(5, '0')} ${'x'.repeat(90)}`)
  const kept = b.text()
  assert.ok(kept.length <= MSGBUF_SIZE && kept.length > MSGBUF_SIZE - 100)
  assert.ok(kept.endsWith(`09999 ${'x'.repeat(90)}\n`))
  assert.ok(kept.startsWith('<0>'))
  b.clear()
  assert.equal(b.text(), '')
})
