/**
 * A clock for the relay's retry budget that moves only when the relay waits: a budget of seconds is
 * spent at once, and `onWait` can change the world at a chosen point of the relay's time.
 */
export function fakeClock(onWait: (elapsedMs: number) => Promise<void> | void = () => undefined) {
  let elapsedMs = 0;
  let waits = 0;
  return {
    now: () => elapsedMs,
    sleep: async (ms: number) => {
      elapsedMs += ms;
      waits += 1;
      await onWait(elapsedMs);
    },
    /** The relay's time spent waiting, and how many waits it took. */
    spent: () => ({ elapsedMs, waits }),
  };
}
