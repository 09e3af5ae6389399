// Writes schema/topology.schema.json from the TypeBox definitions in src/topology/file/schema.ts (the one
// source of truth). Run through `npm run schema`, which builds first; schema.test.ts fails when the
// committed file is out of date.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { schemaJson } from '../dist/src/topology/file/schema.js'

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema', 'topology.schema.json')
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, schemaJson())
console.log(`wrote ${out}`)
