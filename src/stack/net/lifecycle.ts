/**
 * Creating and destroying whole stacks and interfaces (vnet_alloc / vnet_destroy, if_clone_destroy).
 * A new vnet gets lo0, down and without addresses as FreeBSD's vnet_loif_init leaves it (the host's
 * own, `configured`, is up with 127.0.0.1/8 as rc(8) leaves it); protocol state appears lazily. Destroying a vnet first
 * sends interfaces it borrowed back to the vnet they came from, destroys the ones created in it, then
 * runs each protocol's destructor in reverse order, so no timer or buffer outlives it.
 */

import { cloneCreate, cloneRelease } from './if/if_clone.js'
import { loCloner } from './if/if_loop.js'
import { IFF, type Ifnet, ifAddAddr, ifAttach, ifDetach, ifReturnHome } from './ifnet.js'
import { type StackEnv, Vnet, type VnetModule } from './vnet.js'

const LOOPBACK = 0x7f000001

export function vnetCreate(id: number, name: string, env: StackEnv, configured = false): Vnet {
  const v = new Vnet(id, name, env)
  const [lo0] = cloneCreate(v, loCloner, 0)
  ifAttach(v, lo0!)
  if (configured) {
    lo0!.flags |= IFF.UP | IFF.RUNNING
    ifAddAddr(lo0!, LOOPBACK, 8)
  }
  return v
}

/** Destroy a cloned interface, and its pair partner, wherever they are attached. */
export function ifDestroy(ifp: Ifnet): void {
  for (const i of ifp.peer === null ? [ifp] : [ifp, ifp.peer]) {
    if (i.vnet.hasIf(i)) ifDetach(i)
    i.flags &= ~(IFF.UP | IFF.RUNNING)
    i.link?.ifDestroyed?.(i)
    i.link = null
    i.peer = null
    cloneRelease(i)
  }
}

/** Destroy v; `modules` are all per-vnet modules of the host (stack and above), in init order. */
export function vnetDestroy(v: Vnet, modules: readonly VnetModule<unknown>[]): void {
  if (v.destroyed) return
  for (const ifp of [...v.ifnets]) {
    if (!v.hasIf(ifp)) continue
    // A lent interface goes home even when its name is taken there (renamed, see ifReturnHome):
    // destroying it would destroy its pair partner too, which may be one of the parent's own.
    if (ifp.home !== v && !ifp.home.destroyed) ifReturnHome(ifp)
    else ifDestroy(ifp)
  }
  for (let i = modules.length - 1; i >= 0; i--) {
    const mod = modules[i]!
    const s = v.slots[mod.slot]
    if (s !== undefined && mod.destroy !== undefined) mod.destroy(s, v)
    v.slots[mod.slot] = undefined
  }
  v.destroyed = true
}
