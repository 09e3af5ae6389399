/**
 * The package's entry point (`import { createLab } from 'virtnet'`): build a lab from a topology
 * file, text or object; reach its nodes (shell, syscalls, Node-compatible `dgram`); cut, heal and
 * shape its links while traffic flows; wait in its virtual or real time. README "Library API"
 * documents it; lab_api.ts states what moves virtual time.
 *
 * Only re-exports: what a user may rely on is listed here, nothing else.
 */

export type { Host } from '../../host/host.js'
export type { Syscalls } from '../../host/syscalls.js'
export { TopologyError } from '../../topology/file/diagnostics.js'
export { LabError } from '../../topology/lab/lab_var.js'
export type { ClockMode } from '../../util/clock.js'
export type {
  AddressInfo,
  BindOptions,
  DgramModule,
  RemoteInfo,
  Socket as DgramSocket,
  SocketOptions as DgramSocketOptions,
  SocketType,
} from './compat/dgram.js'
export type { ListenOptions, NetModule, Server as NetServer, ServerOpts } from './compat/net.js'
export type {
  AddressInfo as NetAddressInfo,
  Socket as NetSocket,
  SocketConstructorOpts,
  TcpConnectOpts,
} from './compat/net_socket.js'
export type { NodeSystemError } from './compat/node_errors.js'
export type { LabTimers, VTimeout } from './compat/vtimers.js'
export {
  type BackgroundJob,
  type CreateLabOptions,
  createLab,
  type LabSource,
  type ShResult,
  type UndiciConnect,
  VirtLab,
  VirtLink,
  VirtNode,
} from './lab_api.js'
export type { CaptureOptions, Packet, VirtCapture } from './lab_capture.js'
