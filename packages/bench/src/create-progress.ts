/**
 * One progress line per phase. On a terminal it redraws in place with `\r`;
 * piped into a log it prints a line every few seconds instead, so CI logs stay
 * readable. Written to stderr so that stdout carries only the report.
 */
export interface Progress {
  update(done: number, note?: string): void;
  /** Ends the line with a summary. */
  finish(summary: string): void;
}

export function createProgress(label: string, total?: number): Progress {
  const tty = process.stderr.isTTY === true;
  const started = performance.now();
  let lastDraw = -Infinity;
  let width = 0;

  const line = (done: number, note?: string) => {
    const elapsed = ((performance.now() - started) / 1000).toFixed(1);
    const count =
      total === undefined ? `${done}` : `${done}/${total} (${Math.floor((done / Math.max(total, 1)) * 100)}%)`;
    return `  ${label}: ${count} ${elapsed}s${note ? ` ${note}` : ""}`;
  };
  const draw = (text: string, final: boolean) => {
    if (tty) {
      process.stderr.write(`\r${text.padEnd(width)}${final ? "\n" : ""}`);
      width = text.length;
    } else {
      process.stderr.write(`${text}\n`);
    }
  };

  return {
    update(done, note) {
      const now = performance.now();
      if (now - lastDraw < (tty ? 100 : 3000)) return;
      lastDraw = now;
      draw(line(done, note), false);
    },
    finish(summary) {
      const elapsed = ((performance.now() - started) / 1000).toFixed(1);
      draw(`  ${label}: done in ${elapsed}s, ${summary}`, true);
    },
  };
}
