/**
 * Text from outside Altus (a kernel's stderr, a failure reason, a string output,
 * a parameter value) made safe to print: control characters cannot clear the
 * screen, retitle the terminal, move the cursor or fake a line of output. Used
 * whether or not stdout is a terminal: output piped into a pager or a log is
 * read on a terminal later.
 *
 * Escaped as `\u001b`-style sequences, which keeps a JSON line valid JSON (every
 * such character can only sit inside a string there) and shows a person what
 * was sent: C0 controls but tab (and newline, when asked), DEL, the C1 controls
 * (U+009B is a CSI on its own), and the bidirectional overrides and isolates
 * that reorder what a line appears to say.
 */

const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escapeCharacter = (character: string) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `text` with every control character escaped; newlines too unless `multiline` (a quoted CSV cell may hold them). */
export function terminalText(text: string, options: { multiline?: boolean } = {}): string {
  return text.replace(options.multiline ? UNSAFE_BUT_NEWLINE : UNSAFE, escapeCharacter);
}
