/**
 * Test support: a self-signed X.509 v3 certificate made with node:crypto alone (no openssl binary):
 * a P-256 key, the TBSCertificate written in DER by hand (RFC 5280 §4.1), signed with
 * ecdsa-with-SHA256, a subjectAltName for the given DNS name. Enough for `tls`/`https` between
 * jails with the certificate as the client's only CA.
 */

import { generateKeyPairSync, sign } from 'node:crypto'

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  return Buffer.concat([Buffer.from([tag]), len(body.length), body])
}

const seq = (...p: Buffer[]) => tlv(0x30, ...p)
const set = (...p: Buffer[]) => tlv(0x31, ...p)

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]]
  const out = [a * 40 + b]
  for (const n of rest) {
    const chunk: number[] = []
    for (let x = n; ; x = Math.floor(x / 128)) {
      chunk.unshift((x & 0x7f) | (chunk.length > 0 ? 0x80 : 0))
      if (x < 128) break
    }
    out.push(...chunk)
  }
  return tlv(0x06, Buffer.from(out))
}

function int(n: number): Buffer {
  const bytes: number[] = []
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff)
  if (bytes.length === 0 || bytes[0]! & 0x80) bytes.unshift(0)
  return tlv(0x02, Buffer.from(bytes))
}

function name(cn: string): Buffer {
  return seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn)))))
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'))

export interface SelfSigned {
  /** PEM private key (PKCS#8). */
  key: string
  /** PEM certificate. */
  cert: string
}

/** A certificate for `dnsName`, valid 2000–2049, signed by its own key. */
export function selfSigned(dnsName: string): SelfSigned {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  const san = seq(seq(oid('2.5.29.17'), tlv(0x04, seq(tlv(0x82, Buffer.from(dnsName))))))
  const tbs = seq(
    tlv(0xa0, int(2)),
    int(1),
    ECDSA_SHA256,
    name(dnsName),
    seq(tlv(0x17, Buffer.from('000101000000Z')), tlv(0x17, Buffer.from('491231235959Z'))),
    name(dnsName),
    spki,
    tlv(0xa3, san),
  )
  const sig = sign('sha256', tbs, privateKey)
  const der = seq(tbs, ECDSA_SHA256, tlv(0x03, Buffer.from([0]), sig))
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n')
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  return { key, cert: `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n` }
}
