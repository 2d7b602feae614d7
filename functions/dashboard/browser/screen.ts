/**
 * One view's hold on the page: its part of the document, the live indicator,
 * timers that stop when another view replaces it, and the charts it must
 * resize and destroy. The router makes a new one per route.
 */

/** A drawn chart the view owns. */
export interface Chart {
  resize(): void;
  destroy(): void;
}

/** What a view draws on and schedules with. */
export interface Screen {
  /** The view's container. */
  readonly main: HTMLElement;
  /** Sets the header's live indicator (pulsing while `on`). */
  setLive(text: string, on: boolean): void;
  /** Whether this view is still the one shown. */
  current(): boolean;
  /** Runs `fn` after `milliseconds`, unless the view has been left by then. */
  later(milliseconds: number, fn: () => void): void;
  /** Keeps a chart: resized with the window, destroyed when the view goes. */
  keep(chart: Chart): void;
}

/** The page's screens: `next()` retires the current view and makes the next one's screen. */
export function createScreens(main: HTMLElement, live: HTMLElement): { next(): Screen; resize(): void } {
  let generation = 0;
  let charts: Chart[] = [];
  return {
    next() {
      generation += 1;
      for (const chart of charts) chart.destroy();
      charts = [];
      const mine = generation;
      const current = () => mine === generation;
      return {
        main,
        setLive(text, on) {
          live.textContent = text;
          live.className = on ? 'live on' : 'live';
        },
        current,
        later(milliseconds, fn) {
          setTimeout(() => current() && fn(), milliseconds);
        },
        keep(chart) {
          if (current()) charts.push(chart);
          else chart.destroy();
        },
      };
    },
    resize() {
      for (const chart of charts) chart.resize();
    },
  };
}

/** The time now, for "updated …". */
export function clock(): string {
  return new Date().toLocaleTimeString();
}
