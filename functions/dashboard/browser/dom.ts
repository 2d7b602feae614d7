/**
 * Building the page from data: elements with attributes and children, where
 * text always goes in as text nodes, never parsed as HTML, so names and reasons
 * from manifests and kernels cannot inject markup.
 */
import type { ShardProgress } from '../../../shared/dashboard-api.ts';

/** What an element may hold; null, undefined and false are left out. */
export type Child = Node | string | number | null | undefined | false;

/** Attributes by name; `className` sets the class, true an empty attribute, null/undefined/false none. */
export type Attributes = Record<string, string | number | boolean | null | undefined>;

/** A new element. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, children: readonly Child[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'className') node.className = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'object' ? child : String(child));
  }
  return node;
}

/** A table; `numeric[i]` right-aligns column i. */
export function table(headers: readonly string[], rows: readonly (readonly Child[])[], numeric: readonly boolean[] = []): HTMLTableElement {
  const cellClass = (i: number) => (numeric[i] ? 'num' : null);
  return el('table', {}, [
    el('thead', {}, [
      el(
        'tr',
        {},
        headers.map((h, i) => el('th', { className: cellClass(i) }, [h])),
      ),
    ]),
    el(
      'tbody',
      {},
      rows.map((cells) =>
        el(
          'tr',
          {},
          cells.map((c, i) => el('td', { className: cellClass(i) }, [c])),
        ),
      ),
    ),
  ]);
}

/** A titled panel. */
export function panel(title: string | null, children: readonly Child[], className?: string): HTMLElement {
  return el('section', { className: className ? `panel ${className}` : 'panel' }, [title === null ? null : el('h2', {}, [title]), ...children]);
}

/** A labelled figure in a row of facts. */
export function fact(label: string, value: Child): HTMLElement {
  return el('div', { className: 'fact' }, [el('div', { className: 'label' }, [label]), el('div', { className: 'value' }, [value])]);
}

/** A run status as a coloured badge. */
export function badge(status: string): HTMLElement {
  return el('span', { className: `status status-${status.toLowerCase()}` }, [status]);
}

/** Shards done (green) and failed (red) as a bar. */
export function progressBar(progress: ShardProgress, big = false): HTMLElement {
  const total = Math.max(progress.total, 1);
  const ok = el('span', { className: 'ok' });
  const bad = el('span', { className: 'bad' });
  // CSSOM, not a style attribute: the page's CSP forbids inline styles.
  ok.style.width = `${(Math.min(progress.done - progress.failed, total) / total) * 100}%`;
  bad.style.width = `${(Math.min(progress.failed, total) / total) * 100}%`;
  return el(
    'div',
    { className: big ? 'bar big' : 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': progress.total, 'aria-valuenow': progress.done },
    [ok, bad],
  );
}

/** A timestamp in the viewer's locale, "—" when there is none. */
export function localTime(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}
