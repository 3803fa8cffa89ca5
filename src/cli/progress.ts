/** Counts and money so far, for the progress display. */
export interface ProgressState {
  done: number;
  failed: number;
  skipped: number;
  /** Inputs in all, once the background count has finished walking them. */
  total: number | undefined;
  costUsd: number;
  startedAt: number;
}

const formatDuration = (seconds: number) => {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
};

/** One line: a bar when the total is known, the rate, ETA and cost. */
export function progressLine(state: ProgressState, now: number, width = 24): string {
  const finished = state.done + state.failed + state.skipped;
  const seconds = Math.max(0.001, (now - state.startedAt) / 1000);
  const rate = (state.done + state.failed) / seconds;
  const cost = `$${state.costUsd.toFixed(4)}`;
  const failed = state.failed > 0 ? `, ${state.failed} failed` : '';
  if (state.total === undefined) return `${finished} done${failed} · ${rate.toFixed(1)}/s · ${cost}`;
  const fraction = state.total === 0 ? 1 : finished / state.total;
  const filled = Math.round(fraction * width);
  const eta = rate > 0 ? (state.total - finished) / rate : Number.POSITIVE_INFINITY;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${finished}/${state.total} ${Math.floor(fraction * 100)}%${failed} · ${rate.toFixed(1)}/s · ETA ${formatDuration(eta)} · ${cost}`;
}

/**
 * Where progress goes: on a terminal, one line redrawn at most ten times a second on stderr; otherwise nothing here
 * (the batch prints one plain line per item instead).
 */
export function createProgress(stream: NodeJS.WriteStream, state: ProgressState) {
  const tty = stream.isTTY === true;
  let last = 0;
  let shown = false;
  return {
    tty,
    update(force = false) {
      if (!tty) return;
      const now = Date.now();
      if (!force && now - last < 100) return;
      last = now;
      shown = true;
      stream.write(`\r\x1b[2K${progressLine(state, now, 24)}`);
    },
    /** Clears the bar so a line can be printed, then the next update redraws it. */
    clear() {
      if (tty && shown) stream.write('\r\x1b[2K');
    },
    end() {
      if (!tty) return;
      this.update(true);
      stream.write('\n');
    },
  };
}
