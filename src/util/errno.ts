/**
 * Control-plane errors carry a BSD errno, so commands can print FreeBSD's messages and exit codes.
 * The data plane never throws; only configuration calls (the syscall API) raise SysError.
 */

/** errno values and strerror(3) texts as FreeBSD has them. */
export const Errno = {
  EPERM: [1, 'Operation not permitted'],
  ENOENT: [2, 'No such file or directory'],
  ESRCH: [3, 'No such process'],
  EINTR: [4, 'Interrupted system call'],
  EIO: [5, 'Input/output error'],
  ENXIO: [6, 'Device not configured'],
  E2BIG: [7, 'Argument list too long'],
  EBADF: [9, 'Bad file descriptor'],
  ENOMEM: [12, 'Cannot allocate memory'],
  EACCES: [13, 'Permission denied'],
  EFAULT: [14, 'Bad address'],
  EBUSY: [16, 'Device busy'],
  EEXIST: [17, 'File exists'],
  ENODEV: [19, 'Operation not supported by device'],
  ENOTDIR: [20, 'Not a directory'],
  EISDIR: [21, 'Is a directory'],
  EINVAL: [22, 'Invalid argument'],
  ENFILE: [23, 'Too many open files in system'],
  EMFILE: [24, 'Too many open files'],
  EFBIG: [27, 'File too large'],
  ENOSPC: [28, 'No space left on device'],
  EPIPE: [32, 'Broken pipe'],
  EAGAIN: [35, 'Resource temporarily unavailable'],
  EINPROGRESS: [36, 'Operation now in progress'],
  EALREADY: [37, 'Operation already in progress'],
  ENOTSOCK: [38, 'Socket operation on non-socket'],
  EDESTADDRREQ: [39, 'Destination address required'],
  EMSGSIZE: [40, 'Message too long'],
  EPROTOTYPE: [41, 'Protocol wrong type for socket'],
  ENOPROTOOPT: [42, 'Protocol not available'],
  EPROTONOSUPPORT: [43, 'Protocol not supported'],
  EOPNOTSUPP: [45, 'Operation not supported'],
  EAFNOSUPPORT: [47, 'Address family not supported by protocol family'],
  EADDRINUSE: [48, 'Address already in use'],
  EADDRNOTAVAIL: [49, "Can't assign requested address"],
  ENETDOWN: [50, 'Network is down'],
  ENETUNREACH: [51, 'Network is unreachable'],
  ECONNABORTED: [53, 'Software caused connection abort'],
  ECONNRESET: [54, 'Connection reset by peer'],
  ENOBUFS: [55, 'No buffer space available'],
  EISCONN: [56, 'Socket is already connected'],
  ENOTCONN: [57, 'Socket is not connected'],
  ETOOMANYREFS: [59, "Too many references: can't splice"],
  ETIMEDOUT: [60, 'Operation timed out'],
  ECONNREFUSED: [61, 'Connection refused'],
  ENAMETOOLONG: [63, 'File name too long'],
  EHOSTDOWN: [64, 'Host is down'],
  EHOSTUNREACH: [65, 'No route to host'],
  ENOTEMPTY: [66, 'Directory not empty'],
  ENOSYS: [78, 'Function not implemented'],
  ENOTCAPABLE: [93, 'Capabilities insufficient'],
} as const satisfies Record<string, readonly [number, string]>

export type ErrnoName = keyof typeof Errno

/** The one error type of the control plane. `op` names the failing call (e.g. `SIOCAIFADDR`). */
export class SysError extends Error {
  readonly code: ErrnoName
  readonly errno: number
  readonly op: string | undefined

  constructor(code: ErrnoName, op?: string, detail?: string) {
    super(detail ?? Errno[code][1])
    this.code = code
    this.errno = Errno[code][0]
    this.op = op
  }

  /** strerror(3) text for the code, independent of any detail message. */
  get strerror(): string {
    return Errno[this.code][1]
  }
}

export function isSysError(e: unknown): e is SysError {
  return e instanceof SysError
}

/** The SysError for an errno number (as SO_ERROR hands it back), EINVAL for one we do not know. */
export function sysErrorOf(errno: number, op?: string): SysError {
  for (const name of Object.keys(Errno) as ErrnoName[])
    if (Errno[name][0] === errno) return new SysError(name, op)
  return new SysError('EINVAL', op)
}
