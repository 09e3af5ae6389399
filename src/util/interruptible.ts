/**
 * A promise that settles with `p` unless something interrupts it first (a kill, a shell abort).
 * `arm` gets the outer resolve/reject and returns the function that disarms it, which runs when `p`
 * settles, so waits that end normally leave no listener behind (an interruption that wins is the
 * interrupter's to clean up: a kill or abort drops its listeners anyway).
 */
export function interruptible<T>(
  p: Promise<T>,
  arm: (resolve: (v: T) => void, reject: (e: unknown) => void) => () => unknown,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const off = arm(resolve, reject)
    p.then(
      (v) => {
        off()
        resolve(v)
      },
      (e: unknown) => {
        off()
        reject(e)
      },
    )
  })
}
