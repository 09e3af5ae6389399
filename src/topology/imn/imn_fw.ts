/**
 * Firewall and NAT lines in IMUNES custom configurations (`/bin/sh` scripts that replace a node's
 * generated configuration): `ipfw`, `dnctl` and `natd` lines run as they are written, and the lab
 * loads the modules they need, as a FreeBSD host running IMUNES would have them loaded. It must not
 * run anything.
 */

import { moduleOrder } from '../firewall/firewall.js'

function commandName(word: string | undefined): string {
  return word === undefined ? '' : word.slice(word.lastIndexOf('/') + 1)
}

/**
 * The modules a script's ipfw, dnctl and natd commands need, in load order: ipfw for any; ipfw_nat
 * when one names `nat`, ipdivert for natd and `divert`/`tee` rules (divert(4) sockets), dummynet
 * when one names `pipe`, `queue` or `sched` or is dnctl.
 */
export function scriptModules(lines: readonly string[]): string[] {
  const mods = new Set<string>()
  for (const line of lines)
    for (const command of line.replace(/#.*/, '').split(/[;&|]+/)) {
      const words = command.trim().split(/\s+/)
      const cmd = commandName(words[0])
      if (cmd === 'dnctl') mods.add('ipfw').add('dummynet')
      if (cmd === 'natd') mods.add('ipdivert')
      if (cmd !== 'ipfw') continue
      mods.add('ipfw')
      if (words.includes('nat')) mods.add('ipfw_nat')
      if (words.includes('divert') || words.includes('tee')) mods.add('ipdivert')
      if (words.some((w) => w === 'pipe' || w === 'queue' || w === 'sched')) mods.add('dummynet')
    }
  return moduleOrder(mods)
}
