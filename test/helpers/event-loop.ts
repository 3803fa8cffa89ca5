/**
 * Counts timer callbacks that ran while `busy()` was true: proof that the event loop stayed free while work ran
 * elsewhere (a worker thread), with no wall-clock figure that a loaded machine could break. If the work blocked
 * the main thread instead, no timer could run while it was busy and the count would stay near zero; on a slow or
 * loaded machine the work takes longer and the count only grows.
 */
export function countTicksWhile(busy: () => boolean) {
  let ticks = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout>;
  const tick = () => {
    if (busy()) ticks += 1;
    if (!stopped) timer = setTimeout(tick, 1);
  };
  timer = setTimeout(tick, 1);
  return {
    /** Stops counting and returns the number of ticks seen while busy. */
    stop(): number {
      stopped = true;
      clearTimeout(timer);
      return ticks;
    },
  };
}
