import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkSha512, cryptSha512, newSha512Setting } from './crypt_sha512.js'

// The specification's own test vectors.
test('$6$ default rounds', () => {
  assert.equal(
    cryptSha512('Hello world!', '$6$saltstring'),
    '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
  )
})

test('$6$ rounds=10000 and a salt cut to 16 characters', () => {
  assert.equal(
    cryptSha512('Hello world!', '$6$rounds=10000$saltstringsaltstring'),
    '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
  )
})

test('check and new settings', () => {
  const h = cryptSha512('imunes', newSha512Setting(new Uint8Array(16).fill(7)))!
  assert.match(h, /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/)
  assert.ok(checkSha512('imunes', h))
  assert.ok(!checkSha512('imunez', h))
  assert.ok(!checkSha512('', '*'))
  assert.equal(cryptSha512('x', '$1$abc'), null)
})
