import { drag } from 'd3-drag';
import { select } from 'd3-selection';

export interface DragParams {
  enabled: boolean;
  /** Pointer position in the owning SVG's user units. */
  onMove: (x: number, y: number) => void;
  onStart?: () => void;
  onEnd?: () => void;
}

/**
 * Svelte action: d3-drag on an SVG element (mouse, pen and touch), reporting
 * positions in the SVG's own coordinates. d3 only listens here; Svelte draws.
 */
export function draggable(node: SVGGraphicsElement, params: DragParams) {
  let p = params;
  /** A drag in progress; if the node goes away mid-drag (its team was deleted, the board locked), it still ends. */
  let active = false;
  const behavior = drag<SVGGraphicsElement, unknown>()
    .container(() => node.ownerSVGElement ?? (node as unknown as SVGSVGElement))
    .filter((event: PointerEvent) => p.enabled && !event.button)
    .on('start', () => {
      active = true;
      node.focus({ preventScroll: true });
      p.onStart?.();
    })
    .on('drag', (event: { x: number; y: number }) => p.onMove(event.x, event.y))
    .on('end', () => {
      active = false;
      p.onEnd?.();
    });
  select(node).call(behavior);
  return {
    update(next: DragParams) {
      p = next;
    },
    destroy() {
      select(node).on('.drag', null);
      if (active) p.onEnd?.();
      active = false;
    },
  };
}

/** Runs `fn` at most once per `ms`, always with the latest arguments, and once more at the end. */
export function throttle<A extends unknown[]>(fn: (...args: A) => void, ms: number) {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: A | null = null;
  const run = () => {
    timer = null;
    last = performance.now();
    if (pending) fn(...pending);
    pending = null;
  };
  const call = (...args: A) => {
    pending = args;
    const wait = ms - (performance.now() - last);
    if (wait <= 0) run();
    else timer ??= setTimeout(run, wait);
  };
  call.flush = () => {
    if (timer) clearTimeout(timer);
    if (pending) run();
  };
  return call;
}
