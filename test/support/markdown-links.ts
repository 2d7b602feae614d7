/**
 * Relative links in the project's markdown and the anchors GitHub gives its
 * headings, so a test can prove every link lands on a file and a heading that exist.
 */

/** A link as written: the line it is on and its target, `path#anchor`, `path` or `#anchor`. */
export interface MarkdownLink {
  readonly line: number;
  readonly target: string;
}

const FENCE = /^\s*(```|~~~)/;
const INLINE_CODE = /`+[^`]*`+/g;
// `[text](target)` and `![alt](target)`; the text may hold code spans and wrap, not hold brackets.
const LINK = /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

/** The lines of a markdown text outside fenced code blocks, with their 1-based numbers. */
function proseLines(markdown: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((text, index) => {
    if (FENCE.test(text)) fenced = !fenced;
    else if (!fenced) out.push({ line: index + 1, text });
  });
  return out;
}

/** Every link to something in the repository (not `https:`, `mailto:`, …), outside code; link text may wrap. */
export function relativeLinks(markdown: string): MarkdownLink[] {
  const prose = proseLines(markdown);
  const lines = markdown.split('\n').map(() => '');
  for (const { line, text } of prose) lines[line - 1] = text;
  // Code spans blanked character for character, so offsets still give line numbers.
  const text = lines.join('\n').replace(INLINE_CODE, (code) => code.replace(/[^\n]/g, ' '));
  return [...text.matchAll(LINK)]
    .filter((match) => !EXTERNAL.test(match[1]!))
    .map((match) => ({ line: text.slice(0, match.index).split('\n').length, target: match[1]! }));
}

/**
 * GitHub's anchor for a heading: lower case, code marks and punctuation dropped,
 * spaces to hyphens (letters of any script, digits, `-` and `_` kept).
 */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a markdown text's headings; a repeated heading gets `-1`, `-2`, … as on GitHub. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!heading) continue;
    const anchor = headingAnchor(heading[1]!);
    const count = seen.get(anchor) ?? 0;
    seen.set(anchor, count + 1);
    anchors.add(count === 0 ? anchor : `${anchor}-${count}`);
  }
  return anchors;
}
